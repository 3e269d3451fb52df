-- bench/wrk-report.lua: wrk's done() hook, printing what bench/load.ts reads as one line of JSON.
-- 1000 evenly spaced percentiles stand in for the raw latencies, which wrk does not hand out.
done = function(summary, latency, requests)
  local points = {}
  for i = 1, 1000 do
    points[#points + 1] = string.format('%d', latency:percentile((i - 0.5) / 10))
  end
  io.write(string.format(
    '@@wrk {"durationUs":%d,"requests":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"minUs":%d,"maxUs":%d,"meanUs":%f,"pointsUs":[%s]}\n',
    summary.duration, summary.requests, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency.min, latency.max, latency.mean, table.concat(points, ',')))
end
