-- wrk -s loadtest/wrk/bearer.lua URL: GET with `Authorization: Bearer $TOKEN`.
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or "")
