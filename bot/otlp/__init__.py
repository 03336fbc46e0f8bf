"""Claude Code's OpenTelemetry metrics, live: ``airetro serve`` takes OTLP/HTTP at ``POST /v1/metrics``.

``decode`` turns one request body into usage and activity rows (pure); ``receiver`` is the WSGI endpoint
(bearer token, size bounds, gzip) that stores a batch through the usage pipeline, all or nothing.
"""
