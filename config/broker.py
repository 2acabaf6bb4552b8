"""The Redis broker transport, made safe on a lost connection so that the worker reconnects instead of stopping.

kombu 5.7.0's Redis transport, when Redis goes away while a prefork worker runs a task: closing the channel restores
the messages held unacknowledged through a new client built from the connection's address, and a task finishing
after the loss acknowledges its message on that closed channel. The connection has been cleared by then, so both
raise AttributeError ('NoneType' object has no attribute 'hostname' / 'client'), which the worker takes for an
"Unrecoverable error" and stops.
"""

from kombu.transport import redis


class QoS(redis.QoS):
    """On a closed channel, restoring and acknowledging are skipped: Redis is unreachable or restarted, so they could
    not happen anyway. A message Redis kept stays in its unacked set and is delivered again after the visibility
    timeout; the tasks are idempotent, so a finished task run again changes nothing."""

    def _closed(self) -> bool:
        transport = self.channel.connection
        return transport is None or transport.client is None

    def restore_unacked(self, client=None):
        if client is None and self._closed():
            return
        super().restore_unacked(client)

    def ack(self, delivery_tag):
        if self._closed():
            return
        super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        if self._closed():
            return
        super().reject(delivery_tag, requeue=requeue)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
