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
/// Theorem 4 of src/XnorSpec/Model/README.md: with "same" meaning an output above 0.5 (logit above 0),
/// separable logits are right on at most 3/4 of balanced pairs, for every number of categories K, and
/// the ordering rule "same when category(query) &lt;= category(template)" is right on exactly 3/4.
/// In each square of two categories i, j the two same pairs need z(i,i) + z(j,j) &gt; 0 and the two
/// different ones z(i,j) + z(j,i) &lt;= 0, but separability makes the two sums equal. Accuracy is
/// therefore a weak witness: only above 3/4 does it show a comparison no separable head can make.
/// </summary>
[Properties(Arbitrary = new[] { typeof(CeilingGenerators) })]
public class Separable_accuracy_ceiling(ITestOutputHelper output)
{
    private static bool Right(double logit, bool same) => logit > 0 == same;

    private static double Accuracy(double[] a, double[] b)
    {
        int k = a.Length;
        double accuracy = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                if (Right(a[i] + b[j], i == j)) accuracy += Weight(k, i, j);
        return accuracy;
    }

    private static double Mse(double[] a, double[] b)
    {
        int k = a.Length;
        double mse = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                mse += Weight(k, i, j) * Math.Pow(Sigmoid(a[i] + b[j]) - (i == j ? 1 : 0), 2);
        return mse;
    }

    [Property(MaxTest = 1000)]
    public Property No_separable_logits_are_right_on_all_four_pairs_of_a_square_of_two_categories(CeilingLogits s)
    {
        // Categories 0 and 1 of the generated logits.
        double[] a = s.A, b = s.B;
        int right = new[] { Right(a[0] + b[0], true), Right(a[1] + b[1], true), Right(a[0] + b[1], false), Right(a[1] + b[0], false) }.Count(r => r);
        return (right <= 3).Label($"{right} of 4 right");
    }

    [Property(MaxTest = 1000)]
    public Property For_any_K_separable_logits_are_right_on_at_most_three_quarters_of_balanced_pairs(CeilingLogits s)
    {
        double accuracy = Accuracy(s.A, s.B);
        return (accuracy <= 0.75 + 1e-12).Label($"K = {s.A.Length}: accuracy {accuracy:F6}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(50)]
    public void The_ordering_rule_is_separable_and_right_on_exactly_three_quarters_of_balanced_pairs_while_its_error_falls_towards_one_quarter(int k)
    {
        // z(i, j) = L (j - i + 1/2) = a_i + b_j with a_i = -L i, b_j = L (j + 1/2): "same" exactly when i <= j,
        // so every same pair is right and the different pairs are right only below the diagonal.
        var errors = new[] { 2.0, 4, 8, 16 }.Select(l =>
        {
            var a = Enumerable.Range(0, k).Select(i => -l * i).ToArray();
            var b = Enumerable.Range(0, k).Select(j => l * (j + 0.5)).ToArray();
            Accuracy(a, b).Should().BeApproximately(0.75, 1e-12, $"K = {k}, L = {l}");
            return Mse(a, b);
        }).ToArray();
        output.WriteLine($"K = {k}: accuracy 0.75; MSE at L = 2, 4, 8, 16: {string.Join(", ", errors.Select(e => e.ToString("F6")))}");

        errors.Should().OnlyContain(e => e > 0.25).And.BeInDescendingOrder();
        errors[^1].Should().BeLessThan(0.25 + 1e-5);
    }
}

/// <summary>K categories (2 to 12) and separable logits a_i (query category) + b_j (template category).</summary>
public sealed record CeilingLogits(double[] A, double[] B)
{
    public override string ToString() => $"a = [{string.Join(", ", A)}], b = [{string.Join(", ", B)}]";
}

public static class CeilingGenerators
{
    // Small integers make exact ties (logit 0, output exactly 0.5, read as "different"); decimals the rest.
    private static Gen<double> Value => Gen.OneOf(Gen.Choose(-3, 3).Select(i => (double)i), Gen.Choose(-20000, 20000).Select(i => i / 1000.0));

    public static Arbitrary<CeilingLogits> Logits() =>
        (from k in Gen.Choose(2, 12)
         from a in Gen.ArrayOf(Value, k)
         from b in Gen.ArrayOf(Value, k)
         select new CeilingLogits(a, b)).ToArbitrary();
}
