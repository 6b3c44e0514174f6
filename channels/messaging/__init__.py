"""What the messaging channels (Telegram, Twilio, Messenger, Slack) share.

Each module has one job; the guarantees they keep, and where:
- settings.py: settings come from environment variables only
  (docs/messaging.md); a channel whose variables are not all set is disabled:
  its webhook answers 404 and it calls no platform API.
- signatures.py: constant-time comparison of secrets; each platform's own
  signature check lives in its module (twilio.py, slack.py with the platforms'
  libraries; facebook.py, telegram.py with hmac).
- text.py: texts sent as they are in domain.yml (no Markdown, each within the
  smallest platform limit: tests/messaging/test_domain_texts.py), SMS in ASCII.
- options.py: buttons as numbered options where the platform has none; a
  number typed back sends that button's payload, read from the tracker.
- webhooks.py: bodies over MAX_BODY_BYTES are refused before any parsing or
  signature work; JSON nested too deeply is refused (400) like any other
  malformed body.
- input.py: each webhook is acknowledged as soon as it is authenticated and
  parsed; the turn runs in the background (platforms give up after a few
  seconds).
- turn.py: one turn at a time per conversation; the patient always gets a
  reply; unpaired surrogates are dropped from message text before it reaches
  Rasa.
- deliveries.py: retried webhooks are answered once (keyed hashes of recent
  delivery ids, in memory or in Redis shared by replicas).
- pseudonyms.py: platform user and chat ids must look like ids, so no odd id
  reaches a platform API or a log line; conversation ids are keyed hashes of
  the platform's user id, so phone numbers and user ids are neither in the
  tracker store nor in Rasa's logs.
- http.py: one HTTP session per channel; a reply is never sent twice.
- logs.py: nothing here logs message text, phone numbers or user ids, at any
  level: errors are logged by exception type and code location, without
  tracebacks.
"""
