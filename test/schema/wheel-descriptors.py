#!/usr/bin/env python3
"""Upstream descriptors of .proto files from a wheel of protoc-generated Python.

    wheel-descriptors.py WHEEL PATH... > set.pb

For each PATH (envoy/extensions/clusters/dns/v3/dns_cluster.proto), the
wheel's module PATH_pb2.py hands protoc's serialized FileDescriptorProto to
AddSerializedFile(b'...'); the literal is read with ast, nothing is imported,
so neither protobuf nor the wheel is installed. Writes a FileDescriptorSet of
those files in the order given (each file after its dependencies, as protoc's
--include_imports does). Exits 1 naming a PATH the wheel lacks.
"""
import ast
import sys
import zipfile


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def serialized_file(source):
    """The bytes literal passed to AddSerializedFile() in a _pb2.py module."""
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and
                node.func.attr == "AddSerializedFile" and len(node.args) == 1):
            value = ast.literal_eval(node.args[0])
            if isinstance(value, bytes):
                return value
    return None


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: wheel-descriptors.py WHEEL PATH...\n")
        return 2
    out = bytearray()
    with zipfile.ZipFile(argv[1]) as wheel:
        names = set(wheel.namelist())
        for path in argv[2:]:
            module = path[:-len(".proto")] + "_pb2.py"
            data = None
            if module in names:
                data = serialized_file(wheel.read(module).decode("utf-8"))
            if data is None:
                sys.stderr.write("wheel-descriptors.py: %s: no %s with a serialized "
                                 "descriptor in %s\n" % (path, module, argv[1]))
                return 1
            out += b"\x0a" + varint(len(data)) + data  # FileDescriptorSet.file = 1
    sys.stdout.buffer.write(bytes(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
