using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static XnorSpec.Spec.Support.BalancedPairs;

namespace XnorSpec.Spec.Theory;

/// <summary>
/// Theorem 3 of src/XnorSpec/Model/README.md: real images vary within a category, and the bounds still
/// hold in expectation over XnorSpec's pair distribution (CategoryPairs: same category with p = 1/2,
/// the query's category uniform, its image uniform in it; a same pair's template another image of that
/// category, a different pair's template any image of a uniformly chosen other category). Draw, for
/// every category c, an ordered pair of distinct images (q_c, t_c): the K x K grid z(q_i, t_j) is
/// separable, so its balanced error is at least 1/4 and its accuracy at most 3/4 for every draw, and
/// the expectation over draws of the grid's balanced error is exactly the pair distribution's. Checked
/// by exact enumeration for generated categories, images and per-image logit terms f (query) and g
/// (template).
/// </summary>
[Properties(Arbitrary = new[] { typeof(VaryingImageGenerators) })]
public class Images_that_vary_within_a_category
{
    /// <summary>Expected squared error and accuracy over XnorSpec's balanced pair distribution.</summary>
    private static (double Mse, double Accuracy) OverPairs(CategoryImages c)
    {
        int k = c.F.Length;
        double mse = 0, accuracy = 0;
        for (int i = 0; i < k; i++)
        {
            int n = c.F[i].Length;
            for (int x = 0; x < n; x++)
                for (int y = 0; y < n; y++)
                {
                    if (x == y) continue;
                    double w = 0.5 / k / (n * (n - 1.0)), z = c.F[i][x] + c.G[i][y];
                    mse += w * Math.Pow(1 - Sigmoid(z), 2);
                    if (z > 0) accuracy += w;
                }
            for (int j = 0; j < k; j++)
            {
                if (j == i) continue;
                int m = c.G[j].Length;
                for (int x = 0; x < n; x++)
                    for (int y = 0; y < m; y++)
                    {
                        double w = 0.5 / k / (k - 1.0) / (n * m), z = c.F[i][x] + c.G[j][y];
                        mse += w * Math.Pow(Sigmoid(z), 2);
                        if (z <= 0) accuracy += w;
                    }
            }
        }
        return (mse, accuracy);
    }

    /// <summary>The balanced K x K grid error of one draw: query image q[c] and template image t[c] per category.</summary>
    private static double GridMse(CategoryImages c, int[] q, int[] t)
    {
        int k = q.Length;
        double mse = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                double p = Sigmoid(c.F[i][q[i]] + c.G[j][t[j]]);
                mse += i == j ? 0.5 / k * Math.Pow(1 - p, 2) : 0.5 / (k * (k - 1.0)) * p * p;
            }
        return mse;
    }

    /// <summary>Every draw of an ordered pair of distinct images per category, each equally likely.</summary>
    private static IEnumerable<(int[] Q, int[] T)> Draws(CategoryImages c)
    {
        IEnumerable<(int[] Q, int[] T)> From(int category)
        {
            if (category == c.F.Length) { yield return (new int[c.F.Length], new int[c.F.Length]); yield break; }
            foreach (var rest in From(category + 1))
                for (int x = 0; x < c.F[category].Length; x++)
                    for (int y = 0; y < c.F[category].Length; y++)
                    {
                        if (x == y) continue;
                        var (q, t) = ((int[])rest.Q.Clone(), (int[])rest.T.Clone());
                        (q[category], t[category]) = (x, y);
                        yield return (q, t);
                    }
        }
        return From(0);
    }

    [Property(MaxTest = 300)]
    public Property With_images_that_vary_within_a_category_a_separable_heads_expected_error_is_at_least_one_quarter_and_its_accuracy_at_most_three_quarters(CategoryImages c)
    {
        var (mse, accuracy) = OverPairs(c);
        return (mse >= 0.25 - 1e-12 && accuracy <= 0.75 + 1e-12).Label($"expected MSE {mse:F9}, accuracy {accuracy:F6}");
    }

    [Property(MaxTest = 100)]
    public Property The_expected_error_over_pairs_is_the_mean_over_draws_of_one_image_pair_per_category_of_a_separable_grids_error(CategoryImages c)
    {
        var grids = Draws(c).Select(d => GridMse(c, d.Q, d.T)).ToArray();
        double overPairs = OverPairs(c).Mse, overGrids = grids.Average();
        return (Math.Abs(overPairs - overGrids) < 1e-12 && grids.All(g => g >= 0.25 - 1e-12))
            .Label($"over pairs {overPairs:F12}, mean over {grids.Length} grids {overGrids:F12}, lowest grid {grids.Min():F12}");
    }
}

/// <summary>K categories (2 or 3) of 2 or 3 images each, with per-image logit terms f (as a query) and g (as a template).</summary>
public sealed record CategoryImages(double[][] F, double[][] G)
{
    public override string ToString() =>
        "f = " + string.Join(" | ", F.Select(r => string.Join(", ", r.Select(x => x.ToString("F3")))))
        + "; g = " + string.Join(" | ", G.Select(r => string.Join(", ", r.Select(x => x.ToString("F3")))));
}

public static class VaryingImageGenerators
{
    private static Gen<double> Value => Gen.OneOf(Gen.Choose(-3, 3).Select(i => (double)i), Gen.Choose(-8000, 8000).Select(i => i / 1000.0));

    public static Arbitrary<CategoryImages> Categories() =>
        (from k in Gen.Choose(2, 3)
         from sizes in Gen.ArrayOf(Gen.Choose(2, 3), k)
         from f in Gen.ArrayOf(Gen.ArrayOf(Value, 3), k)
         from g in Gen.ArrayOf(Gen.ArrayOf(Value, 3), k)
         select new CategoryImages(f.Select((r, c) => r[..sizes[c]]).ToArray(), g.Select((r, c) => r[..sizes[c]]).ToArray())).ToArbitrary();
}
