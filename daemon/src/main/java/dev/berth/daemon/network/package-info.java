/**
 * Pod networking for the CRI: {@link NetnsManager} pins each pod's network namespace on a file, and
 * {@link CniNetwork}, the {@link PodNetwork}, connects it by running CNI plugins (spec 1.0) directly,
 * without libcni: {@link CniNetworkList} reads and validates the config, {@link CniPlugins} runs a plugin,
 * {@link CniAttachmentCache} keeps each pod's ADD for its DEL across restarts.
 *
 * <p>Order for a pod: {@code create} the namespace, {@code attach}; at the end {@code detach}, then
 * {@code remove} the namespace (some plugins undo parts of an ADD only through the pod's interface).
 */
package dev.berth.daemon.network;
