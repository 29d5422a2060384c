"""What the bot sends: the pooled Bot Connector client and its pacing, conversation references for
proactive messages, notice delivery, and the framework patches the outbound path needs."""
