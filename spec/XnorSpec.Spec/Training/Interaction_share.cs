using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using XnorSpec.Data;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Training;

/// <summary>A grid of query and template images for the interaction share, described by how to make each.</summary>
public sealed record ImageGrid(ImageRecipe[] Queries, ImageRecipe[] Templates)
{
    public (Tensor Queries, Tensor Templates) Make(int size) =>
        (stack(Queries.Select(q => q.Make(size)).ToArray()), stack(Templates.Select(t => t.Make(size)).ToArray()));

    public override string ToString() => $"queries [{string.Join(", ", Queries.AsEnumerable())}], templates [{string.Join(", ", Templates.AsEnumerable())}]";
}

/// <summary>A logit matrix Z (n x m) with an additive part a_i + b_j to add to it.</summary>
public sealed record LogitMatrix(double[][] Z, double[] A, double[] B)
{
    public double[,] ToArray(bool withAdditivePart = false)
    {
        var z = new double[Z.Length, Z[0].Length];
        for (int i = 0; i < Z.Length; i++)
            for (int j = 0; j < Z[0].Length; j++)
                z[i, j] = Z[i][j] + (withAdditivePart ? A[i] + B[j] : 0);
        return z;
    }

    public override string ToString() => $"Z = [{string.Join("; ", Z.Select(r => string.Join(" ", r.Select(v => v.ToString("G4")))))}], a = [{string.Join(" ", A)}], b = [{string.Join(" ", B)}]";
}

public static class InteractionGenerators
{
    public static Arbitrary<ImageGrid> ImageGrids() =>
        (from n in Gen.Choose(2, 4)
         from m in Gen.Choose(2, 4)
         from queries in Gen.ArrayOf(TheoryGenerators.Images, n)
         from templates in Gen.ArrayOf(TheoryGenerators.Images, m)
         select new ImageGrid(queries, templates)).ToArbitrary();

    public static Arbitrary<LogitMatrix> LogitMatrices()
    {
        // Whole numbers, small ranges and repeats included: constant rows, columns and matrices occur.
        var value = Gen.OneOf(Gen.Choose(-3, 3).Select(i => (double)i), Gen.Choose(-20000, 20000).Select(i => i / 1000.0));
        return (from n in Gen.Choose(2, 7)
                from m in Gen.Choose(2, 7)
                from rows in Gen.ArrayOf(Gen.ArrayOf(value, m), n)
                from a in Gen.ArrayOf(value, n)
                from b in Gen.ArrayOf(value, m)
                select new LogitMatrix(rows, a, b)).ToArbitrary();
    }
}

/// <summary>
/// Claim: the interaction share H² = sum R² / sum (Z - mean)², R the double-centred logit matrix over a grid of query
/// by template images, is the fraction of a model's logit variation that needs both images: exactly zero (to float
/// precision) for every separable head of the catalogue at any weights and images, its residual and interaction
/// variation unchanged by adding any f(query) + g(template), between 0 and 1 (the variation splits into the interaction
/// and an additive part), zero by definition for a constant Z, and 1 for XNOR itself.
/// </summary>
[Properties(Arbitrary = new[] { typeof(TheoryGenerators), typeof(InteractionGenerators) })]
public sealed class Interaction_share(ITestOutputHelper output)
{
    private const int Size = 32;

    private static PairModel Fresh(FusionKind head, long seed) =>
        Trainer.NewModel(new Experiment { Head = head, Seed = seed, ImageSize = Size, Encoder = EncoderKind.SmallCnn }, TestDevice.Current);

    private static Property VanishesFor(FusionKind head, long seed, ImageGrid grid)
    {
        using var scope = NewDisposeScope();
        using var model = Fresh(head, seed);
        var (queries, templates) = grid.Make(Size);
        var share = InteractionShare.FromLogits(InteractionShare.LogitMatrix(model, queries.to(TestDevice.Current), templates.to(TestDevice.Current)));
        return (share.Share <= ArchitectureCheck.SeparableAtMost).Label($"H² {share.Share:E3}, variation {share.TotalVariation:E3}, largest |z| {share.LargestLogit:F3}");
    }

    [Property(MaxTest = 60)]
    public Property A_concat_linear_heads_interaction_share_is_zero_for_any_weights_and_any_grid_of_images(PositiveInt seed, ImageGrid grid) =>
        VanishesFor(FusionKind.Concat, seed.Get, grid);

    [Property(MaxTest = 60)]
    public Property A_sum_heads_interaction_share_is_zero_for_any_weights_and_any_grid_of_images(PositiveInt seed, ImageGrid grid) =>
        VanishesFor(FusionKind.Sum, seed.Get, grid);

    [Fact]
    public void Logits_equal_up_to_float32_rounding_have_no_interaction_share()
    {
        // Two white queries against three black templates through a Sum head gave six logits this close (FsCheck).
        var rounded = new[,] { { 0.028, 0.028 + 2e-9, 0.028 }, { 0.028 - 1e-9, 0.028, 0.028 + 1e-9 } };
        InteractionShare.FromLogits(rounded).Share.Should().Be(0);
        InteractionShare.FromLogits(new[,] { { 1.0, -1.0 }, { -1.0, 1.0 } }).Share.Should().Be(1, "pure XNOR is all interaction");
    }

    [Fact]
    public void Every_separable_head_of_the_catalogue_is_covered_by_a_property_above()
    {
        Enum.GetValues<FusionKind>().Where(FusionHead.IsSeparable).Should().BeEquivalentTo([FusionKind.Concat, FusionKind.Sum]);
    }

    // What adding f(query) + g(template) leaves alone is the residual R, so the interaction variation sum R²; the share's
    // denominator, sum (Z - mean)² = sum R² + the additive part's variation, moves with the additive part.
    [Property(MaxTest = 300)]
    public Property Adding_any_query_effect_and_template_effect_leaves_the_residual_and_the_interaction_variation_unchanged(LogitMatrix matrix)
    {
        var z = matrix.ToArray();
        var plain = InteractionShare.Residual(z);
        var shifted = InteractionShare.Residual(matrix.ToArray(withAdditivePart: true));
        double largest = 0;
        for (int i = 0; i < plain.GetLength(0); i++)
            for (int j = 0; j < plain.GetLength(1); j++)
                largest = Math.Max(largest, Math.Abs(plain[i, j] - shifted[i, j]));
        var before = InteractionShare.FromLogits(z).InteractionVariation;
        var after = InteractionShare.FromLogits(matrix.ToArray(withAdditivePart: true)).InteractionVariation;
        return (largest <= 1e-12 && Math.Abs(before - after) <= 1e-9 * Math.Max(1, before)).Label($"largest change of R {largest:E3}; sum R² {before} then {after}");
    }

    [Property(MaxTest = 300)]
    public Property The_logit_variation_splits_into_the_interaction_and_the_additive_part_so_the_share_is_at_most_1(LogitMatrix matrix)
    {
        var z = matrix.ToArray(withAdditivePart: true);
        int n = z.GetLength(0), m = z.GetLength(1);
        var share = InteractionShare.FromLogits(z);
        var residual = InteractionShare.Residual(z);
        // sum (Z - mean)² = sum R² + sum (fit - mean)², the fit Z - R = a_i + b_j + c being the additive part: the two are orthogonal.
        double mean = z.Cast<double>().Average(), fitVariation = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                fitVariation += Math.Pow(z[i, j] - residual[i, j] - mean, 2);
        return (Math.Abs(share.TotalVariation - share.InteractionVariation - fitVariation) <= 1e-9 * Math.Max(1, share.TotalVariation))
            .Label($"total {share.TotalVariation}, interaction {share.InteractionVariation}, additive {fitVariation}");
    }

    [Property(MaxTest = 300)]
    public Property The_interaction_share_lies_between_0_and_1(LogitMatrix matrix)
    {
        var share = InteractionShare.FromLogits(matrix.ToArray(withAdditivePart: true)).Share;
        return (share >= 0 && share <= 1).Label($"H² {share}");
    }

    [Property(MaxTest = 100)]
    public Property A_logit_that_adds_up_has_interaction_share_zero(LogitMatrix matrix)
    {
        var additive = new double[matrix.A.Length, matrix.B.Length];
        for (int i = 0; i < matrix.A.Length; i++)
            for (int j = 0; j < matrix.B.Length; j++)
                additive[i, j] = matrix.A[i] + matrix.B[j];
        return (InteractionShare.FromLogits(additive).Share <= 1e-20).Label("H² of a_i + b_j");
    }

    [Fact]
    public void A_constant_logit_matrix_has_interaction_share_zero_by_definition()
    {
        var share = InteractionShare.FromLogits(new double[,] { { 0.3, 0.3, 0.3 }, { 0.3, 0.3, 0.3 } });
        share.TotalVariation.Should().Be(0);
        share.Share.Should().Be(0);
    }

    [Fact]
    public void XNOR_logits_are_all_interaction_and_on_two_by_two_the_residual_is_a_quarter_of_the_contrast()
    {
        InteractionShare.FromLogits(new double[,] { { 2, -2 }, { -2, 2 } }).Share.Should().Be(1);
        // z(BB), z(BW), z(WB), z(WW): contrast z(BB) + z(WW) - z(BW) - z(WB) = 1.5 + 1.8 - 0.2 + 0.7 = 3.8; every residual is ± contrast / 4.
        var z = new double[,] { { 1.5, 0.2 }, { -0.7, 1.8 } };
        var r = InteractionShare.Residual(z);
        foreach (var (i, j, sign) in new[] { (0, 0, 1), (1, 1, 1), (0, 1, -1), (1, 0, -1) })
            r[i, j].Should().BeApproximately(sign * 3.8 / 4, 1e-12);
        InteractionShare.FromLogits(z).InteractionVariation.Should().BeApproximately(3.8 * 3.8 / 4, 1e-12);
    }

    [Fact]
    public void A_grid_of_fewer_than_two_queries_or_templates_or_with_NaN_is_refused()
    {
        var act = () => InteractionShare.FromLogits(new double[,] { { 1, 2, 3 } });
        act.Should().Throw<ArgumentException>().WithMessage("*1 x 3*at least two query images and two template images*");
        var nan = () => InteractionShare.FromLogits(new double[,] { { 1, double.NaN }, { 0, 1 } });
        nan.Should().Throw<ArgumentException>().WithMessage("*NaN*");
    }

    [Fact]
    public void The_question_s_scripted_class_has_interaction_share_zero_on_any_images()
    {
        using var scope = NewDisposeScope();
        using var model = TorchScriptModel.Load(Fixtures.Path("torchscript", "question-concat-scripted.pt"));
        var generator = new Generator(11);
        var queries = rand(new long[] { 6, 3, Size, Size }, generator: generator);
        var templates = rand(new long[] { 5, 3, Size, Size }, generator: generator);
        var share = InteractionShare.FromLogits(InteractionShare.LogitMatrix(model, queries, templates));
        output.WriteLine($"{share}; variation {share.TotalVariation:E3}");
        share.Share.Should().BeLessThanOrEqualTo(ArchitectureCheck.SeparableAtMost);
    }

    [Fact]
    public void Each_source_s_grid_has_two_kinds_of_image_or_more_on_each_side()
    {
        using var scope = NewDisposeScope();
        using var colours = PairSources.For(PairData.Colours);
        var grid = colours.Grid(16, CPU);
        grid.QueryNames.Should().Equal("black", "white");
        grid.Queries[0].max().item<float>().Should().Be(0);
        grid.Templates[1].min().item<float>().Should().Be(1);

        using var fashion = PairSources.For(PairData.FashionMnistSubset);
        var real = fashion.Grid(28, CPU);
        output.WriteLine(real.Description);
        real.Queries.shape.Should().Equal(20, 3, 28, 28);
        real.Templates.shape.Should().Equal(20, 3, 28, 28);
        real.QueryNames.Intersect(real.TemplateNames).Should().BeEmpty("queries and templates are different images");
        ((FashionMnistSource)fashion).Images.Test.CategoryNames.Should().OnlyContain(c => real.QueryNames.Count(n => n.Contains($"({c})")) == 2);
    }
}
