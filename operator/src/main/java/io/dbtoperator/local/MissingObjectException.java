package io.dbtoperator.local;

/**
 * A Secret, ConfigMap or key a pod needs does not exist (yet): the kubelet keeps the container
 * waiting and tries again, as a real kubelet does, since it may be created after the pod.
 */
final class MissingObjectException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  MissingObjectException(String message) {
    super(message);
  }
}
