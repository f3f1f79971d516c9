package dev.berth.daemon.cri;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A CRI message as the JSON that containerd's and CRI-O's verbose status carries (Go's encoding/json of the
 * generated types): proto field names, fields at their default left out, enums as numbers, bytes as base64.
 */
final class CriJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private CriJson() {
    }

    static ObjectNode of(Message message) {
        ObjectNode out = NODES.objectNode();
        for (Map.Entry<FieldDescriptor, Object> f : message.getAllFields().entrySet()) {
            FieldDescriptor field = f.getKey();
            if (field.isMapField()) {
                ObjectNode map = out.putObject(field.getName());
                for (Object entry : (List<?>) f.getValue()) {
                    MapEntry<?, ?> e = (MapEntry<?, ?>) entry;
                    map.set(String.valueOf(e.getKey()), value(field.getMessageType().findFieldByName("value"),
                            e.getValue()));
                }
            } else if (field.isRepeated()) {
                ArrayNode list = out.putArray(field.getName());
                for (Object v : (List<?>) f.getValue()) {
                    list.add(value(field, v));
                }
            } else {
                out.set(field.getName(), value(field, f.getValue()));
            }
        }
        return out;
    }

    private static JsonNode value(FieldDescriptor field, Object v) {
        return switch (field.getJavaType()) {
            case MESSAGE -> of((Message) v);
            case ENUM -> NODES.numberNode(((EnumValueDescriptor) v).getNumber());
            case BYTE_STRING -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
            case BOOLEAN -> NODES.booleanNode((Boolean) v);
            case STRING -> NODES.textNode((String) v);
            case INT -> NODES.numberNode((Integer) v);
            case LONG -> NODES.numberNode((Long) v);
            case FLOAT -> NODES.numberNode((Float) v);
            case DOUBLE -> NODES.numberNode((Double) v);
        };
    }
}
