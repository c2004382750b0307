-- wrk -s loadtest/wrk/login.lua: successful logins of one account (bcrypt-bound).
-- LOGIN_USER / LOGIN_PASSWORD come from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"login":"%s","password":"%s"}',
  os.getenv("LOGIN_USER") or "bench", os.getenv("LOGIN_PASSWORD") or "bench-password-1")
