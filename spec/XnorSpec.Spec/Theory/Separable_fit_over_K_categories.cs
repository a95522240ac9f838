using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;
using static XnorSpec.Spec.Support.BalancedPairs;

namespace XnorSpec.Spec.Theory;

/// <summary>
/// The bound beyond two colours. With K categories and balanced pairs (same category with probability
/// one half, categories uniform: each same pair (i, i) weighs 1/(2K), each different pair (i, j)
/// 1/(2K(K-1))), a separable head's logits are z(i, j) = a_i + b_j and its label is [i = j], the
/// generalised XNOR. Its MSE is exactly the mean, over the K(K-1)/2 category pairs {i, j}, of the
/// two-colour XNOR loss on the four cells (i,i), (j,j), (i,j), (j,i): each diagonal cell lies in K-1
/// of those squares and each other cell in one, which is what the balanced weights give. Every such
/// square is itself separable, so the two-colour bound (Best_separable_fit) gives 0.25 for every K:
/// the concat head's bound carries over to any number of categories.
/// Checked with plain arithmetic, no TorchSharp.
/// </summary>
[Properties(Arbitrary = new[] { typeof(TheoryGenerators) })]
public class Separable_fit_over_K_categories(ITestOutputHelper output)
{
    /// <summary>The balanced same-category MSE of sigmoid(a_i + b_j), and its gradient with respect to a and b.</summary>
    private static (double Loss, double[] GradA, double[] GradB) Mse(double[] a, double[] b)
    {
        int k = a.Length;
        var (gradA, gradB) = (new double[k], new double[k]);
        double loss = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                double p = Sigmoid(a[i] + b[j]), error = p - (i == j ? 1 : 0), w = Weight(k, i, j);
                loss += w * error * error;
                double dz = 2 * w * error * p * (1 - p);
                gradA[i] += dz;
                gradB[j] += dz;
            }
        return (loss, gradA, gradB);
    }

    /// <summary>The two-colour XNOR loss on the square of categories i and j: same pairs labelled 1, the others 0.</summary>
    private static double SquareLoss(double[] a, double[] b, int i, int j)
    {
        double Squared(double p, double label) => (p - label) * (p - label);
        return (Squared(Sigmoid(a[i] + b[i]), 1) + Squared(Sigmoid(a[j] + b[j]), 1)
              + Squared(Sigmoid(a[i] + b[j]), 0) + Squared(Sigmoid(a[j] + b[i]), 0)) / 4;
    }

    /// <summary>Adam on the 2K logit terms; returns the lowest loss seen.</summary>
    private static double Minimise(double[] a, double[] b, int steps = 3000)
    {
        int k = a.Length;
        var (m, v) = (new double[2 * k], new double[2 * k]);
        double best = double.MaxValue;
        for (int t = 1; t <= steps; t++)
        {
            var (loss, gradA, gradB) = Mse(a, b);
            best = Math.Min(best, loss);
            for (int n = 0; n < 2 * k; n++)
            {
                double g = n < k ? gradA[n] : gradB[n - k];
                m[n] = 0.9 * m[n] + 0.1 * g;
                v[n] = 0.999 * v[n] + 0.001 * g * g;
                double step = 0.05 * (m[n] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v[n] / (1 - Math.Pow(0.999, t))) + 1e-12);
                if (n < k) a[n] -= step; else b[n - k] -= step;
            }
        }
        return Math.Min(best, Mse(a, b).Loss);
    }

    [Property(MaxTest = 100)]
    public Property For_any_K_the_balanced_error_of_separable_logits_is_the_mean_of_their_two_colour_XNOR_errors(CategoryLogits logits)
    {
        int k = logits.Categories;
        var squares = from i in Enumerable.Range(0, k) from j in Enumerable.Range(0, k) where i < j select SquareLoss(logits.A, logits.B, i, j);
        double mse = Mse(logits.A, logits.B).Loss, mean = squares.Average();
        return (Math.Abs(mse - mean) < 1e-12).Label($"MSE {mse:F12}, mean of the squares {mean:F12}");
    }

    [Property(MaxTest = 40)]
    public Property For_K_from_2_to_12_no_separable_logits_reach_below_one_quarter_from_any_start(CategoryLogits start)
    {
        var best = Minimise((double[])start.A.Clone(), (double[])start.B.Clone());
        return (best >= 0.25 - 1e-9).Label($"K = {start.Categories}: best MSE {best:F9}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    public void A_separable_head_can_beat_one_half_accuracy_on_balanced_pairs_while_its_error_stays_at_one_quarter_or_more(int k)
    {
        // "Same only when both are category 0": a_0 = b_0 = L, the others 0, and a bias of -1.5 L folded into a.
        // For K = 2 that is AND ("both black"), where the concat head at lr 0.1 ends (fixtures/reproduction/README.md).
        const double L = 40;
        var a = Enumerable.Range(0, k).Select(i => (i == 0 ? L : 0) - 1.5 * L).ToArray();
        var b = Enumerable.Range(0, k).Select(j => j == 0 ? L : 0.0).ToArray();
        double accuracy = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                if (Sigmoid(a[i] + b[j]) > 0.5 == (i == j)) accuracy += Weight(k, i, j);
        var mse = Mse(a, b).Loss;
        output.WriteLine($"K = {k}: accuracy {accuracy:F3}, MSE {mse:F4}");

        accuracy.Should().BeGreaterThan(0.5, "a separable head can be right on more than half of the balanced pairs");
        mse.Should().BeGreaterThanOrEqualTo(0.25 - 1e-12, "yet its MSE never beats the constant 0.5's");
        if (k == 2)
        {
            accuracy.Should().BeApproximately(0.75, 1e-12, "AND is right on three of the four colour pairs");
            mse.Should().BeApproximately(0.25, 1e-9, "and wholly wrong on one: exactly the constant's error");
        }
    }
}
