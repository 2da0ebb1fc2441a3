"""The AWS shell: boto3 plumbing shared by the aws backend, and the two Lambda handlers.

Importing this package is cheap on purpose: ``tenantlog.queue.sqs`` and
``tenantlog.store.dynamodb`` use its helpers without loading the handlers.
"""
