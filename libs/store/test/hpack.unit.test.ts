import assert from "node:assert/strict";
import { HpackDecoder, HpackEncoder, HpackError, huffmanDecode } from "../src/etcd/hpack.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const pairs = (flat: string[]) => Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]);

describe("hpack", () => {
  // RFC 7541 Appendix C.4: Huffman-coded strings.
  const huffman: [string, string][] = [
    ["f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"],
    ["a8eb 1064 9cbf", "no-cache"],
    ["25a8 49e9 5ba9 7d7f", "custom-key"],
    ["25a8 49e9 5bb8 e8b4 bf", "custom-value"],
    // RFC 7541 Appendix C.6: response headers.
    ["6402", "302"],
    ["aec3 771a 4b", "private"],
    ["d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3", "https://www.example.com"],
  ];
  for (const [code, text] of huffman) {
    it(`decodes the Huffman string "${text}"`, () => {
      const b = hex(code);
      assert.equal(huffmanDecode(b, 0, b.length), text);
    });
  }

  it("refuses Huffman padding that is too long or not all ones, and an encoded EOS", () => {
    assert.throws(() => huffmanDecode(hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff ff"), 0, 13), HpackError);
    assert.throws(() => huffmanDecode(hex("00"), 0, 1), HpackError); // "000" + padding "00000"
    assert.throws(() => huffmanDecode(hex("ffff ffff"), 0, 4), HpackError); // EOS is 30 ones
  });

  it("decodes the request sequence of RFC 7541 C.3 and C.4 with one dynamic table each", () => {
    const plainSeq = [
      "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
      "8286 84be 5808 6e6f 2d63 6163 6865",
      "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ];
    const huffmanSeq = [
      "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
      "8286 84be 5886 a8eb 1064 9cbf",
      "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ];
    const expected = [
      [
        [":method", "GET"],
        [":scheme", "http"],
        [":path", "/"],
        [":authority", "www.example.com"],
      ],
      [
        [":method", "GET"],
        [":scheme", "http"],
        [":path", "/"],
        [":authority", "www.example.com"],
        ["cache-control", "no-cache"],
      ],
      [
        [":method", "GET"],
        [":scheme", "https"],
        [":path", "/index.html"],
        [":authority", "www.example.com"],
        ["custom-key", "custom-value"],
      ],
    ];
    for (const seq of [plainSeq, huffmanSeq]) {
      const dec = new HpackDecoder();
      for (const [i, block] of seq.entries()) assert.deepEqual(pairs(dec.decode(hex(block))), expected[i]);
    }
  });

  it("evicts the oldest entries when the table is full (RFC 7541 C.5, a 256-octet table)", () => {
    const dec = new HpackDecoder(256);
    const blocks = [
      "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
      "4803 3330 37c1 c0bf",
      "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
    ];
    const date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
    const loc = "https://www.example.com";
    const expected = [
      [
        [":status", "302"],
        ["cache-control", "private"],
        ["date", date1],
        ["location", loc],
      ],
      [
        [":status", "307"],
        ["cache-control", "private"],
        ["date", date1],
        ["location", loc],
      ],
      [
        [":status", "200"],
        ["cache-control", "private"],
        ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
        ["location", loc],
        ["content-encoding", "gzip"],
        ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"],
      ],
    ];
    for (const [i, block] of blocks.entries()) assert.deepEqual(pairs(dec.decode(hex(block))), expected[i]);
  });

  it("refuses an index outside both tables, a table size above the limit, and a truncated block", () => {
    assert.throws(() => new HpackDecoder().decode(hex("be")), HpackError); // 62: the dynamic table is empty
    assert.throws(() => new HpackDecoder().decode(hex("80")), HpackError); // index 0
    assert.throws(() => new HpackDecoder(4096).decode(hex("3fe2 1f")), HpackError); // size 4097
    assert.throws(() => new HpackDecoder().decode(hex("400a 6375 7374")), HpackError);
    assert.throws(() => new HpackDecoder().decode(hex("82 3f e1 1f")), HpackError); // size update after a field
  });

  it("encodes fields that a decoder reads back, indexing them once and then naming them in one byte", () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const fields = [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/etcdserverpb.KV/Txn"],
      [":authority", "127.0.0.1:2379"],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
    ] as const;
    const first = enc.encode(fields);
    const gen = enc.generation;
    const second = enc.encode(fields);
    assert.equal(enc.generation, gen, "a block of references leaves the table as it was");
    assert.equal(second.length, fields.length);
    assert.deepEqual(pairs(dec.decode(first)), fields);
    assert.deepEqual(pairs(dec.decode(second)), fields);
  });

  it("follows a smaller table size from the peer, announcing it and evicting", () => {
    const enc = new HpackEncoder();
    const dec = new HpackDecoder();
    const a = [["x-a", "1".repeat(40)]] as const;
    const b = [["x-b", "2".repeat(40)]] as const;
    dec.decode(enc.encode(a));
    dec.decode(enc.encode(b));
    enc.setMaxTableSize(100); // room for one entry of 3 + 40 + 32 octets
    const block = enc.encode(a);
    assert.equal((block[0] as number) & 0xe0, 0x20, "starts with a size update");
    assert.deepEqual(pairs(dec.decode(block)), a);
    assert.deepEqual(pairs(dec.decode(enc.encode(a))), a);
    enc.setMaxTableSize(0);
    const none = enc.encode(b);
    assert.deepEqual(pairs(dec.decode(none)), b);
    assert.deepEqual(pairs(dec.decode(enc.encode(b))), b);
  });
});
