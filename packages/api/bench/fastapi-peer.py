# The integration guide's FastAPI stack for POST /api/v1/data/analyze, the peer of
# bench/analyze.mjs: the guide's endpoint (async def, user_id as a query parameter, the
# DataService singleton through Depends), its DataService.analyze_user_behavior and its
# StorageService.analyze_data (grpcio, one insecure channel, ExecuteQuery, each cell
# through _convert_value), served by uvicorn. Two changes, both so that it can run against
# our analytics service and measures the same work as ours: the request's bearer token is
# forwarded as metadata (the service checks tenancy), and the SQL is data-service's
# ANALYZE_BEHAVIOR_SQL with $start/$end bound (the guide pasted the dates into the text).
# Like packages/duckdb-client/bench/python-peer.py, the message classes are built from the
# proto package's descriptor set (grpc_tools is not installed here).
#
# Needs Debian's python3-fastapi and python3-uvicorn (bash scripts/install-system-deps.sh
# --bench); run with /usr/bin/python3. Configured by the environment, as the guide's
# services are: DUCKDB_GRPC_HOST, DUCKDB_GRPC_PORT, and PEER_DESCRIPTOR_SET (path of
# descriptor-set.binpb), PEER_SQL, PEER_PORT, PEER_WORKERS (default 1).
import os

import grpc
from fastapi import Depends, FastAPI, Header, HTTPException
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from pydantic import BaseModel


def _message_classes(path, *names):
    files = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        files.ParseFromString(f.read())
    # A pool of its own: the default one may already hold google/protobuf/*.proto.
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:  # buf writes imports before the files that use them
        pool.Add(file)
    factory = message_factory.MessageFactory(pool)
    return [factory.GetPrototype(pool.FindMessageTypeByName(name)) for name in names]


ExecuteQueryRequest, ExecuteQueryResponse = _message_classes(
    os.environ["PEER_DESCRIPTOR_SET"],
    "isa.duckdb.ExecuteQueryRequest",
    "isa.duckdb.ExecuteQueryResponse",
)


class StorageService:
    """The guide's unified client, its analytics half."""

    def __init__(self, duckdb_address):
        self.duckdb_channel = grpc.insecure_channel(duckdb_address)
        self.execute_query = self.duckdb_channel.unary_unary(
            "/isa.duckdb.DuckDBService/ExecuteQuery",
            request_serializer=ExecuteQueryRequest.SerializeToString,
            response_deserializer=ExecuteQueryResponse.FromString,
        )

    def analyze_data(self, db_id, user_id, query, params, token):
        request = ExecuteQueryRequest(database_id=db_id, user_id=user_id, query=query)
        for name, value in params.items():
            request.parameters[name].string_value = value
        response = self.execute_query(request, metadata=[("authorization", token)])
        results = []
        for row in response.rows:
            row_dict = {}
            for i, col in enumerate(response.columns):
                row_dict[col] = self._convert_value(row.values[i])
            results.append(row_dict)
        return results

    def _convert_value(self, value):
        if value.HasField("string_value"):
            return value.string_value
        elif value.HasField("int_value"):
            return value.int_value
        elif value.HasField("double_value"):
            return value.double_value
        elif value.HasField("bool_value"):
            return value.bool_value
        elif value.HasField("null_value"):
            return None
        return None


class DataService:
    def __init__(self, storage_service):
        self.storage = storage_service

    async def analyze_user_behavior(self, user_id, start_date, end_date, token):
        db_id = f"user-{user_id}-analytics"
        # The guide calls the blocking stub inside the coroutine: one analysis at a time
        # per worker, which is why the bench also runs 2 workers.
        results = self.storage.analyze_data(
            db_id, user_id, os.environ["PEER_SQL"], {"start": start_date, "end": end_date}, token
        )
        return {"user_id": user_id, "period": f"{start_date} to {end_date}", "events": results}


_data_service = None


def get_data_service():
    global _data_service
    if _data_service is None:
        address = f"{os.environ['DUCKDB_GRPC_HOST']}:{os.environ['DUCKDB_GRPC_PORT']}"
        _data_service = DataService(StorageService(address))
    return _data_service


class AnalysisRequest(BaseModel):
    start_date: str
    end_date: str


app = FastAPI()


@app.post("/api/v1/data/analyze")
async def analyze_behavior(
    user_id: str,
    request: AnalysisRequest,
    authorization: str = Header(),
    data_service: DataService = Depends(get_data_service),
):
    try:
        return await data_service.analyze_user_behavior(
            user_id, request.start_date, request.end_date, authorization
        )
    except Exception as e:
        raise HTTPException(status_code=500, detail=str(e))


if __name__ == "__main__":
    import uvicorn

    # As an import string, which uvicorn needs for workers > 1 (each worker imports it).
    uvicorn.run(
        "fastapi-peer:app",
        app_dir=os.path.dirname(os.path.abspath(__file__)),
        host="127.0.0.1",
        port=int(os.environ["PEER_PORT"]),
        workers=int(os.environ.get("PEER_WORKERS", "1")),
        # No line per request: the API it is compared with logs none by default either.
        access_log=False,
        log_level="warning",
    )
