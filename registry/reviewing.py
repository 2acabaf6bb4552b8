"""The review workflow for capability thresholds: approve, reject with a note, or send back to review."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from registry.models import CapabilityThreshold
from registry.vocabulary import ReviewStatus

REVIEW_PERMISSION = "registry.review_capabilitythreshold"


def can_review(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(REVIEW_PERMISSION))


class AlreadyDecided(ValidationError):
    """Approving an approved threshold or rejecting a rejected one: nothing changes, and whoever asked should know
    (a script re-running an approval with an old id would otherwise overwrite who reviewed it and when)."""


def _decide(threshold: CapabilityThreshold, *, reviewer, status: str, note: str, reason: str):
    if not can_review(reviewer):
        raise PermissionDenied("Only staff with the review permission may approve or reject thresholds.")
    if status != ReviewStatus.IN_REVIEW and threshold.review_status == status:
        raise AlreadyDecided(f"This threshold is already {ReviewStatus(status).label.lower()}.")
    return _record(
        threshold,
        status=status,
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
        note=note,
        reason=reason,
        by=reviewer,
    )


def _record(threshold: CapabilityThreshold, *, status, reviewed_by, reviewed_at, note, reason, by):
    """The one save that changes a threshold's review state (CapabilityThreshold.save keeps it otherwise); `by` is
    the history's author, also when this happens outside a request."""
    threshold.review_status = status
    threshold.reviewed_by = reviewed_by
    threshold.reviewed_at = reviewed_at
    threshold.review_note = note
    threshold._change_reason = reason
    threshold._history_user = by
    threshold._deciding = True
    try:
        threshold.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
    finally:
        threshold._deciding = False
    return threshold


def approve(*, threshold: CapabilityThreshold, reviewer, note: str = ""):
    if threshold.instrument_id is None:
        raise ValidationError("Assign the instrument that defines this threshold before approving it.")
    if not threshold.conditions.exists():
        raise ValidationError("Give the threshold its conditions before approving it.")
    return _decide(threshold, reviewer=reviewer, status=ReviewStatus.APPROVED, note=note, reason="approved")


def reject(*, threshold: CapabilityThreshold, reviewer, note: str):
    if not note.strip():
        raise ValidationError("Say why the threshold is rejected.")
    return _decide(threshold, reviewer=reviewer, status=ReviewStatus.REJECTED, note=note.strip(), reason="rejected")


def send_back(*, threshold: CapabilityThreshold, reviewer, note: str = ""):
    return _decide(threshold, reviewer=reviewer, status=ReviewStatus.IN_REVIEW, note=note, reason="sent back to review")


def reopen(*, threshold: CapabilityThreshold, editor, reason: str):
    """An approved threshold whose content someone without the review permission changed goes back to review (and
    out of public view) until a reviewer approves what it now says. Anyone may do this: it only withholds."""
    if threshold.review_status != ReviewStatus.APPROVED:
        return threshold
    return _record(
        threshold,
        status=ReviewStatus.IN_REVIEW,
        reviewed_by=None,
        reviewed_at=None,
        note=reason,
        reason="back to review after an edit",
        by=editor,
    )
