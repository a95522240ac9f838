namespace XnorSpec.Spec.Support;

/// <summary>The arithmetic the theory specs share, in double precision: the sigmoid and the balanced pair weights.</summary>
public static class BalancedPairs
{
    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>
    /// The weight of the category pair (i, j) among K categories on balanced pairs: same category with probability
    /// one half, categories uniform, so 1/(2K) for each same pair and 1/(2K(K-1)) for each different one.
    /// </summary>
    public static double Weight(int k, int i, int j) => i == j ? 0.5 / k : 0.5 / (k * (k - 1.0));
}
