"""Recovery's receiver of surveys' one flow signal; connected in RecoveryConfig.ready()."""

from recovery.services import feedback_link


def on_feedback_triaged(sender, *, item, result, failure, **kwargs):
    feedback_link(item=item, severity=result.severity, topics=list(result.topics), failure=failure)
