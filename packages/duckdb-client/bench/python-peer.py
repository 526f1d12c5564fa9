# The integration guide's DuckDB call (StorageService.analyze_data: grpcio, one channel,
# ExecuteQuery with a bearer token), timed the way bench/query.mjs times DuckdbClient.query.
# grpc_tools is not installed here, so the message classes are built from the proto
# package's descriptor set (google.protobuf's own decoder, as generated code would use).
# usage: python3 python-peer.py ADDRESS TOKEN DESCRIPTOR_SET DATABASE COUNT MODE
#   MODE: "literal" (the id pasted into the SQL) or "param" (bound as $id)
# prints one JSON line: sequential q/s, p50/p99 ms, client CPU ms per query; then the
# same with 32 calls in flight.
import json
import sys
import threading
import time

import grpc
from google.protobuf import descriptor_pb2, message_factory

address, token, descriptor_path, database, count, mode = sys.argv[1:7]
count = int(count)
files = descriptor_pb2.FileDescriptorSet()
with open(descriptor_path, "rb") as f:
    files.ParseFromString(f.read())
classes = message_factory.GetMessages(files.file)
Request = classes["isa.duckdb.ExecuteQueryRequest"]
Response = classes["isa.duckdb.ExecuteQueryResponse"]

channel = grpc.insecure_channel(address)
execute_query = channel.unary_unary(
    "/isa.duckdb.DuckDBService/ExecuteQuery",
    request_serializer=Request.SerializeToString,
    response_deserializer=Response.FromString,
)
metadata = [("authorization", "Bearer " + token)]


def request(i):
    key = i % 10000
    if mode == "param":
        req = Request(database_id=database, query="SELECT id, label, amount FROM items WHERE id = $id")
        req.parameters["id"].int_value = key
        return req
    return Request(database_id=database, query=f"SELECT id, label, amount FROM items WHERE id = {key}")


def rows_of(response):
    # What the guide's _convert_value does: each cell to a Python value.
    return [[getattr(v, v.WhichOneof("kind")) for v in row.values] for row in response.rows]


for i in range(200):
    rows_of(execute_query(request(i), metadata=metadata, timeout=30))

latencies = []
cpu0, t0 = time.process_time(), time.perf_counter()
for i in range(count):
    start = time.perf_counter()
    rows_of(execute_query(request(i), metadata=metadata, timeout=30))
    latencies.append((time.perf_counter() - start) * 1000)
elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
latencies.sort()

# 32 in flight: futures, each completion starting the next call.
in_flight, total = 32, count * 2
done = threading.Event()
state = {"next": 0, "finished": 0}
lock = threading.Lock()


def start_next():
    with lock:
        if state["next"] >= total:
            return
        i = state["next"]
        state["next"] += 1
    future = execute_query.future(request(i), metadata=metadata, timeout=30)
    future.add_done_callback(finished)


def finished(future):
    rows_of(future.result())
    with lock:
        state["finished"] += 1
        last = state["finished"] == total
    if last:
        done.set()
    else:
        start_next()


t1 = time.perf_counter()
for _ in range(in_flight):
    start_next()
done.wait()
concurrent = total / (time.perf_counter() - t1)
print(json.dumps({
    "qps": count / elapsed,
    "p50": latencies[len(latencies) // 2],
    "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    "cpuMs": cpu * 1000 / count,
    "qps32": concurrent,
}))
channel.close()
