-- One wrk script for every endpoint of bench/run.py, configured by environment variables.
--
-- bench/run.py starts wrk with one connection per thread (-t N -c N), so per-thread state is
-- per-connection state: each connection has its own cart tokens.
--
--   BENCH_MODE     static | rotate | cart_add | checkout
--   BENCH_AUTH     Authorization header value (every mode)
--   BENCH_PATH     static: the path requested (GET)
--   BENCH_PATHS    rotate: a file of paths, one a line; each connection starts at its own
--                  offset and walks the list (GET)
--   BENCH_PREFIX   cart_add, checkout: the public API prefix, /v3/public/<key>
--   BENCH_TOKEN    cart_add: connection c adds to cart "<token><c>" (already holding lines);
--                  checkout: connection c checks out carts "<token><c>-1", "<token><c>-2", ...
--                  (pre-filled), each with its token as Idempotency-Key, like the widget
--   BENCH_PRODUCTS cart_add: a file whose line c holds connection c's product ids; each
--                  request adds one unit of the next one (their lines are in the cart)
--
-- done() prints one line, "BENCH_RESULT {json}", with the counts and latency percentiles (and,
-- for the cart runs, the answers by status with the first body of each error status).

local connections = 0
local threads = {}

function setup(thread)
   connections = connections + 1
   thread:set("conn", connections)
   table.insert(threads, thread)
end

local function read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then
         table.insert(lines, line)
      end
   end
   return lines
end

local function words(text)
   local found = {}
   for word in string.gmatch(text, "%S+") do
      table.insert(found, word)
   end
   return found
end

local n = 0
local paths, products
local prefix = os.getenv("BENCH_PREFIX") or ""
local token = os.getenv("BENCH_TOKEN") or ""

local function rotate_request()
   n = n % #paths + 1
   return wrk.format("GET", paths[n])
end

local function cart_add_request()
   n = n % #products + 1
   return wrk.format(
      "POST",
      prefix .. "/cart/items",
      nil,
      '{"productId":"' .. products[n] .. '","quantity":1}'
   )
end

local function checkout_request()
   n = n + 1
   local cart = token .. conn .. "-" .. n
   -- wrk.format() uses wrk.headers only when given no headers of its own.
   wrk.headers["X-Cart-Token"] = cart
   wrk.headers["Idempotency-Key"] = cart
   return wrk.format("POST", prefix .. "/cart/checkout", nil, '{"paymentMethod":"pm_card_visa"}')
end

-- Cart runs (a few hundred requests a second at most) count answers by status and keep the
-- first body of each error status; read back by done() from every thread.
statuses = {}
samples = {}

local function tally(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   if status >= 400 and samples[key] == nil then
      samples[key] = string.sub(body or "", 1, 300)
   end
end

function init(args)
   local mode = os.getenv("BENCH_MODE")
   local auth = os.getenv("BENCH_AUTH")
   if auth then
      wrk.headers["Authorization"] = auth
   end
   if mode == "static" then
      wrk.method = "GET"
      wrk.path = os.getenv("BENCH_PATH")
   elseif mode == "rotate" then
      paths = read_lines(os.getenv("BENCH_PATHS"))
      n = (conn * 37) % #paths
      request = rotate_request
   elseif mode == "cart_add" then
      products = words(read_lines(os.getenv("BENCH_PRODUCTS"))[conn])
      wrk.headers["Content-Type"] = "application/json"
      wrk.headers["X-Cart-Token"] = token .. conn
      request = cart_add_request
      response = tally
   elseif mode == "checkout" then
      wrk.headers["Content-Type"] = "application/json"
      request = checkout_request
      response = tally
   else
      error("BENCH_MODE must be static, rotate, cart_add or checkout, not " .. tostring(mode))
   end
end

local function json_string(text)
   text = string.gsub(text, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. text .. '"'
end

function done(summary, latency, requests)
   local counted, sampled = {}, {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses") or {}) do
         counted[status] = (counted[status] or 0) + count
      end
      for status, body in pairs(thread:get("samples") or {}) do
         sampled[status] = sampled[status] or body
      end
   end
   local parts = {}
   for status, count in pairs(counted) do
      table.insert(parts, json_string(status) .. ": " .. count)
   end
   local bodies = {}
   for status, body in pairs(sampled) do
      table.insert(bodies, json_string(status) .. ": " .. json_string(body))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, '
         .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, '
         .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
         .. '"statuses": {%s}, "samples": {%s}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean, table.concat(parts, ", "), table.concat(bodies, ", ")
   ))
end
