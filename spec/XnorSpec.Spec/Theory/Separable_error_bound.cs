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
/// Theorem 2 of src/XnorSpec/Model/README.md: on balanced XNOR pairs, separable logits z(q, t) = a_q + b_t
/// have MSE (after the sigmoid) of at least 1/4, equal to 1/4 only when every logit is 0 (the constant
/// 0.5), and approached from above by saturated separable rules. The proof's steps are checked here on
/// arbitrary logits with plain double arithmetic: the reduction to four errors sigmoid(u_i) with
/// sum u_i = 0, the bound and its strictness, the one other critical point (a saddle at 0.2823), and
/// the saturated rules' approach.
/// </summary>
[Properties(Arbitrary = new[] { typeof(BoundGenerators) })]
public class Separable_error_bound(ITestOutputHelper output)
{
    private static double Logit(double p) => Math.Log(p / (1 - p));

    /// <summary>Balanced XNOR MSE of the four logits BB, BW, WB, WW.</summary>
    private static double Mse(double bb, double bw, double wb, double ww) =>
        (Math.Pow(Sigmoid(bb) - 1, 2) + Math.Pow(Sigmoid(bw), 2) + Math.Pow(Sigmoid(wb), 2) + Math.Pow(Sigmoid(ww) - 1, 2)) / 4;

    /// <summary>The errors' arguments: a same pair's error is 1 - sigmoid(z) = sigmoid(-z), a different pair's sigmoid(z).</summary>
    private static double[] ErrorArguments(double bb, double bw, double wb, double ww) => [-bb, bw, wb, -ww];

    /// <summary>
    /// MSE - 1/4 without cancellation: sigmoid(u)^2 - 1/4 = (t/2)(1 + t/2) with t = tanh(u/2), so
    /// differences of order 1e-10 from the bound stay visible in double precision.
    /// </summary>
    private static double ExcessOverOneQuarter(double[] u) => u.Sum(x => { double t = Math.Tanh(x / 2); return t / 2 * (1 + t / 2); }) / 4;

    [Property(MaxTest = 500)]
    public Property Separable_logits_make_the_four_errors_sigmoids_of_arguments_that_sum_to_zero(SeparableLogits s)
    {
        var (bb, bw, wb, ww) = s.Cells;
        var u = ErrorArguments(bb, bw, wb, ww);
        double sum = u.Sum(), viaErrors = u.Sum(x => Sigmoid(x) * Sigmoid(x)) / 4, direct = Mse(bb, bw, wb, ww);
        return (Math.Abs(sum) <= 1e-12 * (1 + u.Max(Math.Abs)) && Math.Abs(viaErrors - direct) <= 1e-15)
            .Label($"sum of u {sum:E3}; MSE {direct:F15} vs {viaErrors:F15}");
    }

    [Property(MaxTest = 1000)]
    public Property No_separable_logits_have_a_balanced_error_below_one_quarter_however_large_they_are(SeparableLogits s)
    {
        var (bb, bw, wb, ww) = s.Cells;
        double mse = Mse(bb, bw, wb, ww);
        return (mse >= 0.25 - 1e-15).Label($"MSE {mse:F17}");
    }

    [Property(MaxTest = 1000)]
    public Property Separable_logits_reach_one_quarter_only_when_every_logit_is_zero(ModerateSeparableLogits s)
    {
        var (bb, bw, wb, ww) = s.Cells;
        double excess = ExcessOverOneQuarter(ErrorArguments(bb, bw, wb, ww));
        bool allZero = new[] { bb, bw, wb, ww }.All(z => Math.Abs(z) < 1e-12);
        return (allZero ? Math.Abs(excess) < 1e-15 : excess > 0).Label($"MSE - 1/4 = {excess:E3}");
    }

    /// <summary>
    /// Lagrange: at a critical point of sum sigmoid(u_i)^2 under sum u_i = 0, e^2 (1 - e) is the same for
    /// the four errors e. phi(e) = e^2 (1 - e) rises to e = 2/3 and falls after, so the errors take two
    /// values; the proof rules out every split except one error b above 2/3 with three equal errors a
    /// below 1/2. That point exists once, costs 0.2823 and is a saddle: moving along the constraint lowers it.
    /// </summary>
    [Fact]
    public void The_only_critical_point_besides_the_constant_one_half_is_a_saddle_at_error_0_2823()
    {
        static double Phi(double e) => e * e * (1 - e);
        static double SmallRoot(double b) // the a in (0, 2/3) with phi(a) = phi(b)
        {
            double lo = 0, hi = 2.0 / 3;
            for (int i = 0; i < 200; i++) { double m = (lo + hi) / 2; if (Phi(m) < Phi(b)) lo = m; else hi = m; }
            return (lo + hi) / 2;
        }
        static double Constraint(double b) => Logit(b) + 3 * Logit(SmallRoot(b));

        const int grid = 20000;
        var values = Enumerable.Range(0, grid).Select(i => Constraint(2.0 / 3 + (i + 0.5) / grid / 3)).ToArray();
        int signChanges = values.Zip(values.Skip(1), (x, y) => x > 0 != y > 0).Count(c => c);
        double lo = 2.0 / 3 + 1e-12, hi = 1 - 1e-15;
        for (int i = 0; i < 200; i++) { double m = (lo + hi) / 2; if (Constraint(m) > 0) lo = m; else hi = m; }
        double b = lo, a = SmallRoot(b), u1 = Logit(b), u2 = Logit(a);
        double cost = (b * b + 3 * a * a) / 4;
        output.WriteLine($"errors b = {b:F6}, a = {a:F6} (x3); arguments {u1:F4}, {u2:F4}; MSE {cost:F6}");

        signChanges.Should().Be(1, "one error above 2/3 and three below 1/2 meet the constraint at one point only");
        a.Should().BeLessThan(0.5);
        cost.Should().BeApproximately(0.2823, 1e-4).And.BeGreaterThan(0.25);
        // The proof's inequality: phi((1 + sqrt 13) / 6) > 1/8, so such a point cannot cost 1/4 or less.
        Phi((1 + Math.Sqrt(13)) / 6).Should().BeGreaterThan(0.125);
        // A saddle: moving one small argument up and another down raises the cost, while taking 3d from the
        // large argument and giving d to each small one lowers it (both keep the sum at zero).
        double Cost(double d1, double d2, double d3) =>
            (Math.Pow(Sigmoid(u1 - d1 - d2 - d3), 2) + Math.Pow(Sigmoid(u2 + d1), 2) + Math.Pow(Sigmoid(u2 + d2), 2) + Math.Pow(Sigmoid(u2 + d3), 2)) / 4;
        Cost(0.05, -0.05, 0).Should().BeGreaterThan(cost);
        Cost(0.05, 0.05, 0.05).Should().BeLessThan(cost, "a descent direction exists");
    }

    /// <summary>
    /// AND ("same only when both are black"): z = L ([q is black] + [t is black] - 3/2). Wrong on WW only,
    /// and ever more confidently right elsewhere as L grows: its MSE falls towards 1/4 and never reaches it
    /// (from L = 2 on it falls at every doubling; between L = 1 and 2 it first rises).
    /// </summary>
    [Fact]
    public void A_saturated_separable_rule_approaches_one_quarter_from_above_as_its_logits_grow()
    {
        var excess = new[] { 2.0, 4, 8, 16 }.Select(l =>
        {
            double bb = l / 2, bw = -l / 2, wb = -l / 2, ww = -3 * l / 2;
            return ExcessOverOneQuarter(ErrorArguments(bb, bw, wb, ww));
        }).ToArray();
        output.WriteLine("MSE - 1/4 at L = 2, 4, 8, 16: " + string.Join(", ", excess.Select(e => e.ToString("E3"))));

        excess.Should().OnlyContain(e => e > 0).And.BeInDescendingOrder();
        excess[^1].Should().BeLessThan(1e-3);
    }
}

/// <summary>Four separable logits a_q + b_t for q, t in {black, white}.</summary>
public sealed record SeparableLogits(double ABlack, double AWhite, double BBlack, double BWhite)
{
    public (double BB, double BW, double WB, double WW) Cells => (ABlack + BBlack, ABlack + BWhite, AWhite + BBlack, AWhite + BWhite);
}

/// <summary>The same with each term in [-4, 4] (logits in [-8, 8]), so that an excess over 1/4 is representable in double precision.</summary>
public sealed record ModerateSeparableLogits(double ABlack, double AWhite, double BBlack, double BWhite)
{
    public (double BB, double BW, double WB, double WW) Cells => new SeparableLogits(ABlack, AWhite, BBlack, BWhite).Cells;
}

public static class BoundGenerators
{
    // Small integers hit exact zeros and ties; wide values reach saturation (sigmoid rounds to 0 or 1).
    private static Gen<double> Wide => Gen.OneOf(Gen.Choose(-3, 3).Select(i => (double)i), Gen.Choose(-60000, 60000).Select(i => i / 1000.0));
    private static Gen<double> Moderate => Gen.OneOf(Gen.Choose(-3, 3).Select(i => (double)i), Gen.Choose(-4000, 4000).Select(i => i / 1000.0));

    public static Arbitrary<SeparableLogits> Separable() =>
        (from a in Wide from b in Wide from c in Wide from d in Wide select new SeparableLogits(a, b, c, d)).ToArbitrary();

    public static Arbitrary<ModerateSeparableLogits> ModerateSeparable() =>
        (from a in Moderate from b in Moderate from c in Moderate from d in Moderate select new ModerateSeparableLogits(a, b, c, d)).ToArbitrary();
}
