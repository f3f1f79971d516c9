package dev.berth.daemon.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cri.v1.ContainerConfig;
import dev.berth.cri.v1.ContainerMetadata;
import dev.berth.cri.v1.IDMapping;
import dev.berth.cri.v1.ImageSpec;
import dev.berth.cri.v1.KeyValue;
import dev.berth.cri.v1.LinuxContainerConfig;
import dev.berth.cri.v1.LinuxContainerSecurityContext;
import dev.berth.cri.v1.Int64Value;
import dev.berth.cri.v1.Mount;
import dev.berth.cri.v1.MountPropagation;
import dev.berth.oci.json.OciJson;
import org.junit.jupiter.api.Test;

class CriJsonTest {
    @Test
    void fieldsByTheirProtoNamesDefaultsLeftOutEnumsAsNumbers() throws Exception {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("c"))
                .setImage(ImageSpec.newBuilder().setImage("busybox"))
                .addCommand("sleep").addCommand("1")
                .addEnvs(KeyValue.newBuilder().setKey("A").setValue("b"))
                .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath("/srv").setReadonly(true)
                        .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER)
                        .addUidMappings(IDMapping.newBuilder().setHostId(100000).setLength(65536)))
                .putLabels("app", "web")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext
                        .newBuilder().setRunAsUser(Int64Value.newBuilder().setValue(1000))))
                .build();
        JsonNode expected = OciJson.mapper().readTree("""
                {"metadata": {"name": "c"}, "image": {"image": "busybox"}, "command": ["sleep", "1"],
                 "envs": [{"key": "A", "value": "b"}],
                 "mounts": [{"container_path": "/data", "host_path": "/srv", "readonly": true, "propagation": 1,
                             "uidMappings": [{"host_id": 100000, "length": 65536}]}],
                 "labels": {"app": "web"},
                 "linux": {"security_context": {"run_as_user": {"value": 1000}}}}
                """);
        // Compared as read back: a long field holding a small number reads back as an int node.
        assertEquals(expected, OciJson.mapper().readTree(CriJson.of(config).toString()));
    }
}
