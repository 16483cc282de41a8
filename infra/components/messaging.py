"""Alert topic -> notify queue (raw delivery), both on the agency key, with a dead-letter queue."""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from eis_core.storage.schema import AgencyResources

DLQ_RETENTION = Duration.days(14)


def encrypted_queue(
    scope: Construct,
    construct_id: str,
    *,
    key: kms.IKey,
    queue_name: str | None = None,
    visibility_timeout: Duration | None = None,
    dead_letter_queue: sqs.IQueue | None = None,
    max_receive_count: int = 5,
) -> sqs.Queue:
    """A KMS-encrypted, SSL-only queue; a queue without ``dead_letter_queue`` is itself a DLQ."""
    return sqs.Queue(
        scope,
        construct_id,
        queue_name=queue_name,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        data_key_reuse=Duration.hours(1),
        enforce_ssl=True,
        visibility_timeout=visibility_timeout,
        retention_period=DLQ_RETENTION if dead_letter_queue is None else Duration.days(4),
        dead_letter_queue=(
            sqs.DeadLetterQueue(queue=dead_letter_queue, max_receive_count=max_receive_count)
            if dead_letter_queue is not None
            else None
        ),
    )


class AlertMessaging(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: AgencyResources,
        key: kms.IKey,
        consumer_timeout: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            "Alerts",
            topic_name=resources.alerts_topic,
            display_name=f"EIS alerts ({resources.agency_id})",
            master_key=key,
            enforce_ssl=True,
        )
        self.dead_letters = encrypted_queue(
            self, "NotifyDeadLetters", key=key, queue_name=f"{resources.notify_queue}-dlq"
        )
        self.queue = encrypted_queue(
            self,
            "Notify",
            key=key,
            queue_name=resources.notify_queue,
            # AWS guidance for Lambda consumers: six times the function timeout, so retries don't overlap.
            visibility_timeout=Duration.seconds(consumer_timeout.to_seconds() * 6),
            dead_letter_queue=self.dead_letters,
        )
        self._subscribe_queue(key, topic_name=resources.alerts_topic)

    def _subscribe_queue(self, key: kms.IKey, *, topic_name: str) -> None:
        """Topic -> queue with raw delivery, each side allowing only this topic.

        Written out instead of ``SqsSubscription``: that helper puts the topic's ARN into the key
        policy, and the topic is encrypted with the same key, a circular dependency. The key policy
        names the topic by its (deterministic) ARN instead.
        """
        stack = Stack.of(self)
        topic_arn_by_name = stack.format_arn(service="sns", resource=topic_name, arn_format=ArnFormat.NO_RESOURCE_NAME)
        sns_service = iam.ServicePrincipal("sns.amazonaws.com")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlertTopicToDeliverToEncryptedQueue",
                principals=[sns_service],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={"ArnEquals": {"aws:SourceArn": topic_arn_by_name}},
            )
        )
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[sns_service],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": self.topic.topic_arn}},
            )
        )
        sns.Subscription(
            self,
            "NotifySubscription",
            topic=self.topic,
            protocol=sns.SubscriptionProtocol.SQS,
            endpoint=self.queue.queue_arn,
            raw_message_delivery=True,
        )
