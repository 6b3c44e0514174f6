"""Where conversations are kept: Rasa's SQL tracker store, made to fail loudly.

endpoints.yml names stores.sql.StrictSQLTrackerStore (SQLite by default,
PostgreSQL for a cluster). Rasa wraps every tracker store in a fallback that
would silently keep conversations in memory when the database fails;
stores/failsafe.py turns that off, so a failure reaches the channel, which
tells the patient the chat is unavailable (channels/replies.py), and GET /ready
reports it (channels/server.py).
"""
