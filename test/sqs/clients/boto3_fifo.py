"""Drives a FIFO queue of RestMQ's SQS adapter with Debian's boto3: argv[1] is the endpoint, argv[2] a queue name ending in .fifo.

Prints one JSON object of what each step answered, for test/sqs/python-clients.test.ts to check.
"""
import json
import sys

import boto3
from botocore.exceptions import ClientError

endpoint, name = sys.argv[1], sys.argv[2]
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
out = {"protocol": sqs.meta.service_model.protocol}


def error_code(call):
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"]
    return None


out["no_fifo_attribute"] = error_code(lambda: sqs.create_queue(QueueName=name))
url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue", "ContentBasedDeduplication"])["Attributes"]
out["attributes"] = attributes
sent = [sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group) for body, group in (("a1", "a"), ("b1", "b"), ("a2", "a"))]
out["sequence"] = [s["SequenceNumber"] for s in sent]
repeat = sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="a")
out["repeat"] = {"same_id": repeat["MessageId"] == sent[0]["MessageId"], "same_sequence": repeat["SequenceNumber"] == sent[0]["SequenceNumber"]}
batch = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "x", "MessageBody": "a3", "MessageGroupId": "a", "MessageDeduplicationId": "x-1"}])
out["batch_sequence"] = batch["Successful"][0]["SequenceNumber"]
out["missing_group"] = error_code(lambda: sqs.send_message(QueueUrl=url, MessageBody="z"))
out["delay"] = error_code(lambda: sqs.send_message(QueueUrl=url, MessageBody="z", MessageGroupId="a", DelaySeconds=1))
first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"], ReceiveRequestAttemptId="attempt-1")["Messages"]
held = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"]).get("Messages", [])
out["first"] = [(m["Body"], m["Attributes"]["MessageGroupId"], m["Attributes"]["SequenceNumber"]) for m in first]
out["while_held"] = [m["Body"] for m in held]
for m in first + held:
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageDeduplicationId"]).get("Messages", [])
out["rest"] = [(m["Body"], m["Attributes"]["MessageDeduplicationId"]) for m in rest]
print(json.dumps(out))
