/// Flowgate's release, printed by `flowgate --version` and `flowgate-server --version`. The
/// flow file format is part of it: a flow that loads in 0.x loads in every later 0.x.
public enum FlowgateVersion {
    public static let current = "0.9.0"
}
