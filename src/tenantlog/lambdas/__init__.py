"""The Lambda shell: API Gateway and SQS events in, the same app and core as the local server.

Handlers sit above the HTTP app and the backends; ``tenantlog.aws`` below them
holds only the boto3 plumbing the SQS and DynamoDB backends share.
"""
