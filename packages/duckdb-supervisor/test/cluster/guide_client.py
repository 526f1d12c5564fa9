# The integration guide's DuckDB call (StorageService.analyze_data: one channel to one
# address, ExecuteQuery with database_id, user_id and query), through grpcio's generic
# stub: grpc_tools is not installed here, so no duckdb_service_pb2 is generated; the test
# encodes the request in TypeScript and decodes the response there.
# usage: python3 guide_client.py ADDRESS TOKEN REQUEST_HEX  ->  prints the response as hex
import sys

import grpc

address, token, request_hex = sys.argv[1:4]
channel = grpc.insecure_channel(address)
execute_query = channel.unary_unary(
    "/isa.duckdb.DuckDBService/ExecuteQuery",
    request_serializer=None,
    response_deserializer=None,
)
response = execute_query(
    bytes.fromhex(request_hex),
    metadata=[("authorization", "Bearer " + token)],
    timeout=30,
)
print(response.hex())
channel.close()
