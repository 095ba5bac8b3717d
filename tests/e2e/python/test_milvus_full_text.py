"""Milvus 2.5 full-text search: the same collections, rows and requests sent to Milvus Lite
(PyPI milvus-lite, through pymilvus' MilvusClient) and to `memgpt milvus serve` (its REST API v2,
on loopback), and their answers compared: the hits of a BM25 search of the function's sparse
output field (ids, order and scores), with a filter, with other bm25_k1 / bm25_b, and of a
hybrid_search fusing a dense and a BM25 sub-search with RRF.

Known differences, left out on purpose: scores are float32 in Milvus and float64 here (compared
to 1e-5 relative); rows with equal scores may come in another order (so the rows here never tie)."""
import json
import os
import random
import tempfile
import unittest
import urllib.request

from pymilvus import AnnSearchRequest, DataType, Function, FunctionType, MilvusClient, RRFRanker

from support import Server, loopback_only_env
import re

WORDS = ("apple banana cherry delta echo fox golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango Running runs ran Über café 2024 x1 naïve").split()


def corpus(n=60, seed=7):
    """Row i holds i words (row 0 an empty text), so no two rows tie on a query's score and the
    order of hits is the same in both engines; every fifth row in capitals."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        text = " ".join(rnd.choice(WORDS) for _ in range(i))
        if i % 5 == 0:
            text = text.upper() + "!"
        rows.append({"id": i, "text": text, "vec": [rnd.uniform(-1, 1) for _ in range(4)],
                     "tag": "even" if i % 2 == 0 else "odd"})
    return rows


QUERIES = ["fox", "apple banana", "RUNNING fox", "café naïve", "2024 x1 papa", "zzz", "Über über uber",
           "the quick brown fox jumps over the lazy dog mike"]


def lite_schema(client):
    s = client.create_schema(auto_id=False, enable_dynamic_field=True)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("text", DataType.VARCHAR, max_length=2000, enable_analyzer=True)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=4)
    s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                            output_field_names=["sparse"]))
    return s


def rest_schema():
    return {"autoID": False, "enableDynamicField": True,
            "fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": True},
                       {"fieldName": "text", "dataType": "VarChar",
                        "elementTypeParams": {"max_length": 2000, "enable_analyzer": True}},
                       {"fieldName": "sparse", "dataType": "SparseFloatVector"},
                       {"fieldName": "vec", "dataType": "FloatVector", "elementTypeParams": {"dim": 4}}],
            "functions": [{"name": "bm25", "type": "BM25", "inputFieldNames": ["text"],
                           "outputFieldNames": ["sparse"], "params": {}}]}


class FullTextSearchAgainstMilvusLite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="fts-lite-")
        env = loopback_only_env({})
        cls.server = Server([os.environ["MEMGPT_BIN"], "milvus", "serve", "--uri",
                             os.path.join(cls.dir.name, "milvus.db"), "--port", "0"],
                            re.compile(r"Milvus REST API at http://[^:]+:(\d+)"), env=env)
        cls.base = f"http://127.0.0.1:{cls.server.port}/v2/vectordb/"
        cls.lite = MilvusClient(os.path.join(cls.dir.name, "lite.db"))
        cls.rows = corpus()
        for name, k1, b in (("c", None, None), ("tuned", 1.8, 0.3)):
            params = {} if k1 is None else {"bm25_k1": k1, "bm25_b": b}
            ip = cls.lite.prepare_index_params()
            ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=params)
            ip.add_index("vec", index_type="FLAT", metric_type="IP")
            cls.lite.create_collection(name, schema=lite_schema(cls.lite), index_params=ip)
            cls.lite.insert(name, cls.rows)
            made = cls.rest("collections/create", {
                "collectionName": name, "schema": rest_schema(),
                "indexParams": [{"fieldName": "vec", "indexName": "vec", "metricType": "IP",
                                 "params": {"index_type": "HNSW"}},
                                {"fieldName": "sparse", "indexName": "sparse", "metricType": "BM25",
                                 "params": dict(index_type="SPARSE_INVERTED_INDEX", **params)}]})
            assert made["code"] == 0, made
            inserted = cls.rest("entities/insert", {"collectionName": name, "data": cls.rows})
            assert inserted["code"] == 0, inserted

    @classmethod
    def tearDownClass(cls):
        cls.lite.close()
        cls.server.stop()
        cls.dir.cleanup()

    @classmethod
    def rest(cls, action, body):
        req = urllib.request.Request(cls.base + action, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=30) as resp:
            return json.loads(resp.read())

    def assertSameHits(self, lite_hits, our_hits, what):
        self.assertEqual(len(lite_hits), len(our_hits), f"{what}: {lite_hits} vs {our_hits}")
        for rank, (a, b) in enumerate(zip(lite_hits, our_hits)):
            self.assertAlmostEqual(a["distance"], b["distance"], delta=1e-5 * max(1.0, abs(a["distance"])),
                                   msg=f"{what} rank {rank}")
        self.assertEqual([h["id"] for h in lite_hits], [h["id"] for h in our_hits], what)

    def test_bm25_search_of_the_sparse_field_matches_lite(self):
        for name in ("c", "tuned"):
            for q in QUERIES:
                for flt in ("", 'tag == "even"'):
                    lite = self.lite.search(name, [q], anns_field="sparse", limit=10, filter=flt,
                                            search_params={"metric_type": "BM25"})[0]
                    ours = self.rest("entities/search", {"collectionName": name, "annsField": "sparse",
                                                         "data": [q], "limit": 10, "filter": flt})
                    self.assertEqual(ours["code"], 0, ours)
                    self.assertSameHits([{"id": h["id"], "distance": h["distance"]} for h in lite],
                                        ours["data"], f"{name} {q!r} {flt!r}")

    def test_hybrid_search_with_rrf_matches_lite(self):
        rnd = random.Random(11)
        for q in QUERIES[:6]:
            vec = [rnd.uniform(-1, 1) for _ in range(4)]
            lite = self.lite.hybrid_search(
                "c", [AnnSearchRequest([vec], "vec", {"metric_type": "IP"}, limit=8),
                      AnnSearchRequest([q], "sparse", {"metric_type": "BM25"}, limit=8)],
                RRFRanker(20), limit=5)[0]
            ours = self.rest("entities/hybrid_search", {
                "collectionName": "c", "limit": 5, "rerank": {"strategy": "rrf", "params": {"k": 20}},
                "search": [{"data": [vec], "annsField": "vec", "limit": 8, "metricType": "IP"},
                           {"data": [q], "annsField": "sparse", "limit": 8, "metricType": "BM25"}]})
            self.assertEqual(ours["code"], 0, ours)
            self.assertSameHits([{"id": h["id"], "distance": h["distance"]} for h in lite], ours["data"],
                                f"hybrid {q!r}")


if __name__ == "__main__":
    unittest.main()
