"""Request rates: anonymous clients by address, signed-in users by account."""

from rest_framework import throttling


class UserRateThrottle(throttling.UserRateThrottle):
    """Counts signed-in users only: DRF's own also counts anonymous clients by address, which AnonRateThrottle
    already does, so every anonymous request paid for two counters."""

    def allow_request(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return True
        return super().allow_request(request, view)
