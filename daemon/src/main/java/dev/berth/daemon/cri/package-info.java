/**
 * The Kubernetes CRI endpoint: {@code runtime.v1.RuntimeService} and {@code runtime.v1.ImageService} over
 * gRPC on berthd's own unix socket ({@link CriServer}).
 *
 * <p>One class per RPC, named resource first and then verb as containerd and CRI-O do ({@link ImageList},
 * {@link ImagePull}); those whose plain name would read as, or collide with, a generated CRI message get an
 * {@code Rpc} suffix ({@link RuntimeStatusRpc}, {@link ImageStatusRpc}). {@link RuntimeServiceFacade} and
 * {@link ImageServiceFacade} only dispatch to them, and {@link CriCalls} is the one place a
 * {@link dev.berth.oci.BerthException} becomes a gRPC status.
 */
package dev.berth.daemon.cri;
