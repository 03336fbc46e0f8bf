"""An embedded Slack stand-in, for the demo and the tests.

``web_api.SlackWebApi`` is a real HTTP server on 127.0.0.1 that answers the Web API methods the
bot calls with Slack-shaped JSON and records every call; ``inbound.SlackSender`` plays Slack's
side of the Events/interactivity endpoint, sending signed requests in Slack's documented shapes.
"""
