-- wrk script: GET /api/events/nearby at random points of greater Bogotá (5 km, 20 results).
-- Usage: wrk -t2 -c64 -d30s -s benchmarks/nearby.lua http://127.0.0.1:8000
math.randomseed(42)
request = function()
  local lng = -74.22 + math.random() * 0.23
  local lat = 4.47 + math.random() * 0.36
  return wrk.format("GET", string.format("/api/events/nearby?lng=%.6f&lat=%.6f&max_distance=5000&limit=20", lng, lat))
end
