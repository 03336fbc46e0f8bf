"""AI Retro: weekly AI retrospectives in Slack that measure value, not token volume."""
