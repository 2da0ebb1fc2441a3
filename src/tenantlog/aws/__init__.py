"""boto3 plumbing shared by the SQS and DynamoDB backends (clients, batching, message formats).

Nothing here imports the HTTP app or the Lambda handlers (``tenantlog.lambdas``),
so the backends can use it without loading a shell.
"""
