"""The event trigger's shared-stream producer (Airflow >= 3.3, ack mode): marks follow stored events.

The triggerer drives :meth:`EndedJobsProducer.open_stream` and hands each job record to the
trigger's ``filter_shared_stream``, which turns it into an asset event. Once Airflow has stored
that event (its persist confirmation) it calls :meth:`EndedJobsProducer.advance`, and only then
does the job count as reported in the mark. Imported lazily: ``airflow.triggers.shared_stream``
exists from Airflow 3.3 on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from airflow.triggers.shared_stream import AdvanceItem, SharedStreamProducer

from airflow_provider_automl.triggers.ended import EndedJobsWatch

if TYPE_CHECKING:
    from airflow_provider_automl.triggers.ended import SageMakerAutoMLJobEndedTrigger
    from airflow_provider_automl.triggers.mark import MarkStore


class EndedJobsProducer(SharedStreamProducer):
    """Yields ``(job records, job keys)`` per event the trigger sends; advances the mark."""

    def __init__(self, trigger: SageMakerAutoMLJobEndedTrigger, store: MarkStore) -> None:
        self.trigger = trigger
        self.watch = EndedJobsWatch(trigger, store)

    async def open_stream(self) -> AsyncIterator[tuple[Any, Any]]:  # type: ignore[override]
        await self.watch.open()
        try:
            while True:
                for records, keys in self.trigger.group(await self.watch.next()):
                    yield records, keys
        finally:
            self.watch.close()

    async def advance(self, batch: Sequence[AdvanceItem]) -> None:
        unclean = 0
        for item in batch:
            if item.outcome.is_clean:
                for key in item.broker_payload:
                    self.watch.confirmed(key)
            else:
                unclean += 1  # not stored: stays unconfirmed, so the mark stays before its jobs
        if unclean:
            self.trigger.log.warning(
                "%d AutoML job event(s) not confirmed stored: their jobs are reported again after a restart.",
                unclean,
            )
        await self.watch.save()

    async def aclose(self) -> None:
        self.watch.close()
