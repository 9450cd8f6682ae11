import assert from "node:assert/strict";
import { goQuote, goQuoteChar, hasDuplicateKeys, scanJson } from "../src/go-json.ts";

const scan = (s: string | Buffer) => scanJson(typeof s === "string" ? Buffer.from(s) : s);

describe("Go's JSON syntax errors, worded as kube-apiserver 1.35 words them", () => {
  // Each error was read from a real kube-apiserver's 400 answer to the same body (or continue token).
  const cases: [string | Buffer, string | undefined][] = [
    ['{"apiVersion":"v1","kind":"ConfigMap",', "unexpected end of JSON input"],
    ["", "unexpected end of JSON input"],
    ["   ", "unexpected end of JSON input"],
    ['{"metadata":{"name":"x",}}', "invalid character '}' looking for beginning of object key string"],
    ['{apiVersion:"v1"}', "invalid character 'a' looking for beginning of object key string"],
    ['{"data":{"a":tru}}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":1} x', "invalid character 'x' after top-level value"],
    ['{"data":{"a":01}}', "invalid character '1' after object key:value pair"],
    ['{"a":"\u0001"}', "invalid character '\\x01' in string literal"],
    ['{"metadata":{"name":"x}}', "unexpected end of JSON input"],
    ['{"data":{"a":x}}', "invalid character 'x' looking for beginning of value"],
    ["nope", "invalid character 'o' in literal null (expecting 'u')"],
    [Buffer.from("garbage", "base64url"), "invalid character '\\u0081' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ["[1 2]", "invalid character '2' after array element"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ["-x", "invalid character 'x' in numeric literal"],
    ["1.x", "invalid character 'x' after decimal point in numeric literal"],
    ["1.", "invalid character ' ' after decimal point in numeric literal"],
    ["1e+", "invalid character ' ' in exponent of numeric literal"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ["[1,]", "invalid character ']' looking for beginning of value"],
    // Valid documents.
    ['{"a":[1,-2.5e+3,true,false,null,"\\u00e9\\n",{}],"b":[]}', undefined],
    ["  0 ", undefined],
    ['"x"', undefined],
  ];
  for (const [doc, want] of cases) {
    it(`${JSON.stringify(doc.toString())} -> ${want ?? "valid"}`, () => {
      assert.equal(scan(doc).error, want);
    });
  }
  it("quotes bytes as Go's quoteChar does", () => {
    assert.deepEqual([0x27, 0x22, 0x5c, 0x61, 0x09, 0x7f, 0xe9, 0xa0].map(goQuoteChar), [
      "'\\''",
      "'\"'",
      "'\\\\'",
      "'a'",
      "'\\t'",
      "'\\x7f'",
      "'é'",
      "'\\u00a0'",
    ]);
  });
});

describe("duplicate keys, named as sigs.k8s.io/json's strict decoding names them", () => {
  it("finds keys repeated within one object, with their paths, in document order", () => {
    const s = scan('{"metadata":{"name":"a","name":"b"},"data":{"x":"1","x":"2"},"spec":{"c":[{"n":1,"n":2}]}}');
    assert.deepEqual(
      s.duplicates.map((d) => d.path),
      ["metadata.name", "data.x", "spec.c[0].n"],
    );
  });
  it("does not take the same key in different objects for a duplicate", () => {
    assert.deepEqual(scan('{"a":{"n":1},"b":{"n":1},"c":[{"n":1},{"n":2}]}').duplicates, []);
  });
  it("records where each path first occurs", () => {
    const s = scan('{"b":1,"a":{"c":2}}');
    assert.ok((s.offsets.get("b") as number) < (s.offsets.get("a") as number));
    assert.ok((s.offsets.get("a") as number) < (s.offsets.get("a.c") as number));
  });
});

describe("the quick check for repeated keys agrees with the full scan", () => {
  const docs = [
    '{"a":1,"a":2}',
    '{"a":{"b":1},"c":{"b":1}}',
    '{"a":"\\":\\"a\\":","b":1}',
    '{"a":["x",{"a":1,"a":2}]}',
    '{"k\\u0061":1,"ka":2}',
    '{"a":[1,{"b":[{"c":1}],"c":2}],"b":{}}',
    '[{"a":1},{"a":1}]',
    '{"":1,"":2}',
  ];
  for (const doc of docs) {
    it(doc, () => {
      assert.equal(hasDuplicateKeys(doc), scanJson(Buffer.from(doc)).duplicates.length > 0);
    });
  }
});

describe("goQuote: Go's strconv.Quote", () => {
  const cases: [string, string, string][] = [
    ["plain text", "web-1", '"web-1"'],
    ["quotes and backslashes", 'a"b\\c', '"a\\"b\\\\c"'],
    ["named escapes", "\u0007\b\f\n\r\t\v", '"\\a\\b\\f\\n\\r\\t\\v"'],
    ["other C0 controls and DEL as \\x", "\u0001\u001f\u007f", '"\\x01\\x1f\\x7f"'],
    ["C1 controls, no-break space and soft hyphen as \\u", "\u0085\u00a0\u00ad", '"\\u0085\\u00a0\\u00ad"'],
    ["printable Latin-1 and beyond kept", "é€😀", '"é€😀"'],
  ];
  for (const [name, s, want] of cases) it(name, () => assert.equal(goQuote(s), want));
});
