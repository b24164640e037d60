module libcontainers/bindings/go/containers

go 1.19
