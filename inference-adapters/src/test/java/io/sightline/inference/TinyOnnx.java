package io.sightline.inference;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes small ONNX graphs byte by byte (protobuf wire format, the fields of onnx.proto that the
 * graphs below need), so a test can hold a model that no shipped file is: one that loads and
 * matches a manifest but cannot run.
 */
final class TinyOnnx {

    private static final int FLOAT = 1;
    private static final int INT64 = 7;

    private TinyOnnx() {
    }

    /**
     * YOLOX-nano's input ({@code images}, float [1,3,416,416}) and output ({@code output}, float
     * [1,3549,85]), so every check before a run passes, plus a second input {@code unused} (float
     * [1]) that the output depends on and that the adapter never feeds: the first run fails.
     */
    static byte[] yoloxShapedWithAnInputTheAdapterNeverFeeds() {
        Msg shape = new Msg().longs(1, 3).varint(2, INT64).longs(7, 1, 3549, 85).string(8, "shape");
        Msg constant = new Msg().string(1, "shape").string(2, "zeros").string(3, "zeros").string(4, "ConstantOfShape");
        Msg add = new Msg().string(1, "zeros").string(1, "unused").string(2, "output").string(3, "add").string(4, "Add");
        Msg graph = new Msg().msg(1, constant).msg(1, add).string(2, "tiny")
                .msg(5, shape)
                .msg(11, valueInfo("images", 1, 3, 416, 416))
                .msg(11, valueInfo("unused", 1))
                .msg(12, valueInfo("output", 1, 3549, 85));
        Msg opset = new Msg().string(1, "").varint(2, 13);
        return new Msg().varint(1, 8).string(2, "sightline-test").msg(7, graph).msg(8, opset).bytes();
    }

    private static Msg valueInfo(String name, long... dims) {
        Msg shape = new Msg();
        for (long d : dims) {
            shape.msg(1, new Msg().varint(1, d));
        }
        Msg tensor = new Msg().varint(1, FLOAT).msg(2, shape);
        return new Msg().string(1, name).msg(2, new Msg().msg(1, tensor));
    }

    /** One protobuf message being written. */
    private static final class Msg {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Msg varint(int field, long value) {
            tag(field, 0);
            raw(value);
            return this;
        }

        Msg longs(int field, long... values) {
            for (long v : values) {
                varint(field, v);
            }
            return this;
        }

        Msg string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Msg msg(int field, Msg value) {
            return bytes(field, value.bytes());
        }

        private Msg bytes(int field, byte[] value) {
            tag(field, 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        private void tag(int field, int wireType) {
            raw(((long) field << 3) | wireType);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
