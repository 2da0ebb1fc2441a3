# HTTP API: every route goes to the ingest function (AWS_PROXY, payload 2.0), which serves
# the same ASGI app as `tenantlog api` and checks the tenant's API key on every tenant
# route. Routes not listed (for example /metrics, which is per-process and meaningless on
# Lambda; use the Powertools metrics) answer 404 at the edge.

resource "aws_apigatewayv2_api" "http" {
  name          = "${var.name_prefix}-api"
  protocol_type = "HTTP"
  description   = "tenantlog: multi-tenant log ingestion"
}

resource "aws_apigatewayv2_integration" "ingest" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.ingest.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "ingest" {
  #checkov:skip=CKV_AWS_309:The application authenticates every tenant route with the tenant's API key (TENANTLOG_AUTH=keys, var.auth_mode's default): 401 without a valid key, 403 for another tenant's writes, 404 for its reads, admin keys only for GET /audit; /healthz, /readyz, /docs and /openapi.json are public by design (DESIGN §2a). An API Gateway authorizer would verify the same key a second time, in a second invocation per request
  for_each  = toset(local.api_route_keys)
  api_id    = aws_apigatewayv2_api.http.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.ingest.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.api_throttling_burst_limit
    throttling_rate_limit  = var.api_throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
    })
  }
}
