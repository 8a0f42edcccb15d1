// The manifest's JSON writer: the exact text for nesting and escaping (the
// TypeScript side reads it with JSON.parse), numbers that read back exactly,
// misuse refused, and the file replaced atomically.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include "checkpoint/manifest_json.hh"
#include "expect_error.hh"
#include "temp_dir.hh"

namespace kx {
namespace {

using test::expectCoreError;
using test::TempDir;

std::string jsonOf(const std::string& s) {
  JsonWriter w;
  w.value(s);
  return w.text();
}

std::string jsonOf(double d) {
  JsonWriter w;
  w.value(d);
  return w.text();
}

TEST_CASE("JSON writer: nested objects and arrays, pretty-printed, keys in order") {
  JsonWriter w;
  w.beginObject();
  w.key("version");
  w.value(1);
  w.key("parts");
  w.beginArray();
  w.beginObject();
  w.key("name");
  w.value("memory");
  w.key("bytes");
  w.value(uint64_t{16928});
  w.endObject();
  w.value(true);
  w.null();
  w.endArray();
  w.key("empty");
  w.beginObject();
  w.endObject();
  w.key("none");
  w.beginArray();
  w.endArray();
  w.key("ok");
  w.value(false);
  w.endObject();
  CHECK(w.text() ==
        "{\n"
        "  \"version\": 1,\n"
        "  \"parts\": [\n"
        "    {\n"
        "      \"name\": \"memory\",\n"
        "      \"bytes\": 16928\n"
        "    },\n"
        "    true,\n"
        "    null\n"
        "  ],\n"
        "  \"empty\": {},\n"
        "  \"none\": [],\n"
        "  \"ok\": false\n"
        "}\n");
}

TEST_CASE("JSON writer: strings escape quotes, backslashes and control characters; UTF-8 passes through") {
  CHECK(jsonOf("plain") == "\"plain\"\n");
  CHECK(jsonOf("say \"hi\"") == "\"say \\\"hi\\\"\"\n");
  CHECK(jsonOf("C:\\dir") == "\"C:\\\\dir\"\n");
  CHECK(jsonOf("a\nb\tc\rd\be\ff") == "\"a\\nb\\tc\\rd\\be\\ff\"\n");
  CHECK(jsonOf(std::string("nul\0x\x01\x1f", 7)) == "\"nul\\u0000x\\u0001\\u001f\"\n");
  CHECK(jsonOf("\x7f") == "\"\x7f\"\n");
  CHECK(jsonOf("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
  CHECK(jsonOf("/") == "\"/\"\n");
  JsonWriter w;
  w.beginObject();
  w.key("we\"ird\n");
  w.value("");
  w.endObject();
  CHECK(w.text() == "{\n  \"we\\\"ird\\n\": \"\"\n}\n");
}

TEST_CASE("JSON writer: integers of every width are printed exactly") {
  JsonWriter w;
  w.beginArray();
  w.value(std::numeric_limits<uint64_t>::max());
  w.value(std::numeric_limits<int64_t>::min());
  w.value(std::numeric_limits<int64_t>::max());
  w.value(uint64_t{1} << 53);
  w.value((uint64_t{1} << 53) + 1);
  w.value(0);
  w.value(-1);
  w.value(uint8_t{255});
  w.value(int16_t{-32768});
  w.value(4294967295u);
  w.value(size_t{12});
  w.endArray();
  CHECK(w.text() ==
        "[\n  18446744073709551615,\n  -9223372036854775808,\n  9223372036854775807,\n  9007199254740992,\n"
        "  9007199254740993,\n  0,\n  -1,\n  255,\n  -32768,\n  4294967295,\n  12\n]\n");
}

TEST_CASE("JSON writer: doubles read back as the same double") {
  CHECK(jsonOf(0.5) == "0.5\n");
  CHECK(jsonOf(2.0) == "2\n");
  CHECK(jsonOf(-0.001) == "-0.001\n");
  for (double d : {0.1, 1.0 / 3.0, 2e9, 6.02214076e23, 1e-300, 5e-324, std::numeric_limits<double>::max(),
                   -123456.789012345678, 0.1 + 0.2}) {
    CAPTURE(d);
    std::string text = jsonOf(d);
    CHECK(std::strtod(text.c_str(), nullptr) == d);
  }
  JsonWriter w;
  expectCoreError([&] { w.value(std::numeric_limits<double>::quiet_NaN()); }, "internal", {"not a JSON number"});
  expectCoreError([&] { w.value(std::numeric_limits<double>::infinity()); }, "internal", {"inf"});
}

TEST_CASE("JSON writer: misuse is an internal error") {
  {
    JsonWriter w;
    w.beginObject();
    expectCoreError([&] { w.value(1); }, "internal", {"in an object without a key"});
    w.key("a");
    expectCoreError([&] { w.key("b"); }, "internal", {"key \"b\" after a key with no value"});
    expectCoreError([&] { w.endObject(); }, "internal", {"after a key with no value"});
    w.value(1);
    expectCoreError([&] { w.endArray(); }, "internal", {"endArray without its begin"});
    expectCoreError([&] { w.text(); }, "internal", {"unfinished"});
    w.endObject();
    expectCoreError([&] { w.value(2); }, "internal", {"a second top-level value"});
    expectCoreError([&] { w.endObject(); }, "internal", {"endObject without its begin"});
  }
  {
    JsonWriter w;
    expectCoreError([&] { w.text(); }, "internal", {"empty"});
    expectCoreError([&] { w.key("a"); }, "internal", {"outside an object"});
    w.beginArray();
    expectCoreError([&] { w.key("a"); }, "internal", {"outside an object"});
  }
}

TEST_CASE("writeFileAtomically: replaces the file whole and leaves no temporary behind") {
  TempDir dir;
  std::string path = dir.path() + "/manifest.json";
  auto read = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  writeFileAtomically(path, "{}\n");
  CHECK(read(path) == "{}\n");
  writeFileAtomically(path, "{\n  \"version\": 2\n}\n");
  CHECK(read(path) == "{\n  \"version\": 2\n}\n");
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  expectCoreError([&] { writeFileAtomically(dir.path() + "/missing/manifest.json", "{}"); }, "checkpoint-io",
                  {"/missing/manifest.json.tmp: cannot create", "No such file or directory"});
}

}  // namespace
}  // namespace kx
