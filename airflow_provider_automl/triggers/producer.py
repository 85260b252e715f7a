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
    """Yields ``(job record, job key)`` for each job that ends and matches; advances the mark."""

    def __init__(self, trigger: SageMakerAutoMLJobEndedTrigger, store: MarkStore) -> None:
        self.trigger = trigger
        self.watch = EndedJobsWatch(trigger, store)

    async def open_stream(self) -> AsyncIterator[tuple[Any, Any]]:  # type: ignore[override]
        await self.watch.open()
        try:
            while True:
                job, key = await self.watch.next()
                yield job.to_record(), key
        finally:
            self.watch.close()

    async def advance(self, batch: Sequence[AdvanceItem]) -> None:
        unclean = 0
        for item in batch:
            if item.outcome.is_clean:
                self.watch.confirmed(item.broker_payload)
            else:
                unclean += 1  # not stored: stays unconfirmed, so the mark stays before it
        if unclean:
            self.trigger.log.warning(
                "%d AutoML job event(s) were not confirmed stored; they are reported again after a restart.",
                unclean,
            )
        await self.watch.save()

    async def aclose(self) -> None:
        self.watch.close()
