using System.Globalization;
using XnorSpec.Model;
using static TorchSharp.torch;

namespace XnorSpec.Training;

/// <summary>
/// The images of the interaction share's grid (see <see cref="PairSource.Grid"/>): n query images [n, 3, S, S] and m
/// template images [m, 3, S, S], owned by the caller's dispose scope, with a name for each.
/// </summary>
public sealed record InteractionGrid(Tensor Queries, Tensor Templates, string Description, IReadOnlyList<string> QueryNames, IReadOnlyList<string> TemplateNames);

/// <summary>
/// The interaction share H² of a model's logits over a grid of n query images by m template images: with Z the
/// n x m matrix of logits (eval mode) and R = Z - row means - column means + grand mean its double-centred residual,
/// H² = sum R² / sum (Z - grand mean)², the fraction of the logit's variation over the grid that depends on the two
/// images together (Friedman and Popescu's H statistic for two inputs, on a grid). A model whose logit adds up,
/// f(query) + g(template), has R = 0 and so H² = 0 whatever its weights and images; 1 means no part of the variation
/// is a query effect or a template effect. The 2x2 interaction contrast is its smallest case: on a 2x2 grid
/// sum R² = contrast² / 4. Degenerate case: when Z is constant (every logit equal, sum (Z - mean)² = 0) there is no
/// variation to share and H² is 0 by definition.
/// </summary>
public sealed record InteractionShare(string Grid, int Queries, int Templates, double Share, double TotalVariation, double InteractionVariation, double LargestLogit)
{
    /// <summary>H² of <paramref name="model"/>'s logits over <paramref name="source"/>'s grid, in eval mode; the model is handed back in the mode it came in.</summary>
    public static InteractionShare Of(ComparisonModel model, PairSource source, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        var grid = source.Grid(imageSize, device);
        return Of(model, grid);
    }

    /// <summary>H² of <paramref name="model"/>'s logits over <paramref name="grid"/>, in eval mode; the model's mode is restored.</summary>
    public static InteractionShare Of(ComparisonModel model, InteractionGrid grid) =>
        FromLogits(LogitMatrix(model, grid.Queries, grid.Templates), grid.Description);

    /// <summary>Pairs evaluated at once when the grid is filled in.</summary>
    public const int PairsPerBatch = 256;

    /// <summary>
    /// Z[i, j], the logit of (query i, template j) for every i and j, in eval mode, as float64; the model's mode is restored.
    /// </summary>
    public static double[,] LogitMatrix(ComparisonModel model, Tensor queries, Tensor templates)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (queries.dim() != 4 || templates.dim() != 4)
            throw new ArgumentException($"queries [{string.Join(", ", queries.shape)}] and templates [{string.Join(", ", templates.shape)}] must be image batches [n, C, H, W].");
        int n = (int)queries.shape[0], m = (int)templates.shape[0];
        var z = new double[n, m];
        using var _ = no_grad();
        bool training = model.training;
        model.eval();
        try
        {
            for (int start = 0; start < n * m; start += PairsPerBatch)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(PairsPerBatch, n * m - start);
                var pairs = arange(start, start + count, dtype: ScalarType.Int64, device: queries.device);
                var query = queries.index_select(0, pairs.div(m, RoundingMode.floor));
                var template = templates.index_select(0, pairs.remainder(m));
                var logits = model.Logit(query, template).to(float64).cpu().data<double>().ToArray();
                if (logits.Length != count)
                    throw new InvalidOperationException($"{model.Description} gave {logits.Length} logits for {count} pairs; a pair model gives one logit per pair.");
                for (int k = 0; k < count; k++) z[(start + k) / m, (start + k) % m] = logits[k];
            }
        }
        finally { model.train(training); }
        return z;
    }

    /// <summary>R = Z - row means - column means + grand mean.</summary>
    public static double[,] Residual(double[,] z)
    {
        var (rows, columns, grand) = Means(z);
        int n = z.GetLength(0), m = z.GetLength(1);
        var r = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                r[i, j] = z[i, j] - rows[i] - columns[j] + grand;
        return r;
    }

    /// <summary>
    /// The spread of logits, sqrt(sum (Z - mean)² / (n m)), at or below which they count as constant: this fraction of the
    /// largest |logit|, about 8 steps of float32 (2^-23 = 1.2e-7 each). Logits computed in float32 for equal images differ by
    /// such steps (a pair's place in the batch changes the order of the sums), and H² would then be a ratio of rounding
    /// errors: FsCheck found a separable head at H² 0.5 on a grid of two white queries and three black templates, whose
    /// six logits varied by 2.8e-17 in all (largest |z| 0.028).
    /// </summary>
    public const double RoundingSpread = 1e-6;

    /// <summary>H² of a logit matrix (at least 2 x 2, finite); 0 when it is constant up to float32 rounding (<see cref="RoundingSpread"/>).</summary>
    public static InteractionShare FromLogits(double[,] z, string grid = "a logit matrix")
    {
        ArgumentNullException.ThrowIfNull(z);
        int n = z.GetLength(0), m = z.GetLength(1);
        if (n < 2 || m < 2)
            throw new ArgumentException($"The grid is {n} x {m}; the interaction share needs at least two query images and two template images.", nameof(z));
        double largest = 0;
        foreach (var value in z)
        {
            if (!double.IsFinite(value))
                throw new ArgumentException("The logit matrix holds NaN or infinite values; the interaction share needs finite logits.", nameof(z));
            largest = Math.Max(largest, Math.Abs(value));
        }
        var (_, _, grand) = Means(z);
        var r = Residual(z);
        double total = 0, interaction = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                total += (z[i, j] - grand) * (z[i, j] - grand);
                interaction += r[i, j] * r[i, j];
            }
        // Constant Z (up to rounding): no variation, so none of it is interaction. Otherwise sum R² <= sum (Z - mean)²
        // (R is Z - mean less its projection on the additive part), and the clamp only absorbs rounding.
        bool constant = total <= Math.Pow(RoundingSpread * largest, 2) * n * m;
        double share = constant ? 0 : Math.Min(1, interaction / total);
        return new InteractionShare(grid, n, m, share, total, interaction, largest);
    }

    private static (double[] Rows, double[] Columns, double Grand) Means(double[,] z)
    {
        int n = z.GetLength(0), m = z.GetLength(1);
        var rows = new double[n];
        var columns = new double[m];
        double grand = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                rows[i] += z[i, j] / m;
                columns[j] += z[i, j] / n;
                grand += z[i, j] / ((double)n * m);
            }
        return (rows, columns, grand);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"H² = {Share:G4} over {Queries} x {Templates} pairs ({Grid})");
}
