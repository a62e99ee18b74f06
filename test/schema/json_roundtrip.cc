// json_roundtrip - parse proto3 JSON with protobuf's own parser against a
// descriptor set (the upstream Envoy protos), then print protobuf's own JSON
// of the result with the .proto field names, as Envoy's admin endpoint does.
//
//   json_roundtrip DESCRIPTOR_SET MESSAGE_TYPE < in.json > out.json
//
// Exit 1 with protobuf's message when the input is not valid JSON for the
// type: an unknown field, a bad enum name, an Any of an unknown type...
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace pb = google::protobuf;

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::cerr << "usage: json_roundtrip DESCRIPTOR_SET MESSAGE_TYPE < json\n";
        return 2;
    }
    pb::FileDescriptorSet set;
    std::ifstream in(argv[1], std::ios::binary);
    if (!set.ParseFromIstream(&in)) {
        std::cerr << "cannot read descriptor set " << argv[1] << "\n";
        return 2;
    }
    pb::DescriptorPool pool;
    for (const auto &file : set.file())
        if (pool.BuildFile(file) == nullptr) {
            std::cerr << "cannot build " << file.name() << "\n";
            return 2;
        }
    const pb::Descriptor *type = pool.FindMessageTypeByName(argv[2]);
    if (type == nullptr) {
        std::cerr << "no message type " << argv[2] << "\n";
        return 2;
    }
    pb::DynamicMessageFactory factory(&pool);
    std::unique_ptr<pb::Message> msg(factory.GetPrototype(type)->New());
    std::stringstream text;
    text << std::cin.rdbuf();
    pb::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = false;
    auto st = pb::util::JsonStringToMessage(text.str(), msg.get(), parse);
    if (!st.ok()) {
        std::cerr << st.ToString() << "\n";
        return 1;
    }
    pb::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    std::string out;
    st = pb::util::MessageToJsonString(*msg, &out, print);
    if (!st.ok()) {
        std::cerr << st.ToString() << "\n";
        return 1;
    }
    std::cout << out << "\n";
    return 0;
}
