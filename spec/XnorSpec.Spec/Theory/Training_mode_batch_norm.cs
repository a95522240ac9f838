using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static XnorSpec.Spec.Support.BalancedPairs;

namespace XnorSpec.Spec.Theory;

/// <summary>
/// Theorem 5 of src/XnorSpec/Model/README.md: in training mode BatchNorm normalises with the batch's
/// statistics, so pair k's logit is F(q_k, other queries) + G(t_k, other templates) + b: it couples
/// the pairs of a batch, but given the rest of the batch it is still separable in (q_k, t_k). XnorSpec
/// draws every colour independently (PairDataset), so pair k is independent of the rest of its batch
/// and its four colour cells are equally likely; by theorem 2 its expected loss is at least 1/4 at
/// every step, whatever the weights. Checked on the real SmallCnn encoders (BatchNorm in every block)
/// in training mode, and on the pair source's draws.
/// </summary>
[Properties(Arbitrary = new[] { typeof(Generators) })]
public class Training_mode_batch_norm(ITestOutputHelper output)
{
    private const int Size = 32, BatchSize = 10;

    private static readonly ColourPair[] Cells =
        [new(Colour.Black, Colour.Black), new(Colour.Black, Colour.White), new(Colour.White, Colour.Black), new(Colour.White, Colour.White)];

    /// <summary>
    /// Pair k's training-mode logit for each of its four colour cells (BB, BW, WB, WW), the other pairs of
    /// a generated batch held fixed; and the other pairs' logits for each cell.
    /// </summary>
    private static (double[] Pair, double[][] Others) FourCells(FusionKind head, long modelSeed, PairPosition at)
    {
        using var scope = NewDisposeScope();
        using var model = Trainer.NewModel(new Experiment { Head = head, Seed = modelSeed, ImageSize = Size, Encoder = EncoderKind.SmallCnn }, TestDevice.Current);
        using var _ = no_grad();
        model.train();
        var data = new PairDataset(at.Seed, BatchSize, Size);
        var batch = Enumerable.Range(0, BatchSize).Select(i => data.Pair(at.Epoch, i)).ToArray();
        int k = at.Index % BatchSize;
        var pair = new double[4];
        var others = new double[4][];
        for (int c = 0; c < 4; c++)
        {
            batch[k] = Cells[c];
            var (query, template, _) = data.ToTensors(batch, TestDevice.Current);
            var z = model.Logit(query, template).to(float64).cpu().data<double>().ToArray();
            pair[c] = z[k];
            others[c] = z.Where((_, i) => i != k).ToArray();
        }
        return (pair, others);
    }

    [Property(MaxTest = 25)]
    public Property Given_the_rest_of_its_batch_a_separable_heads_training_mode_logit_for_one_pair_has_zero_contrast(PositiveInt seed, PairPosition at, bool sum)
    {
        var (z, _) = FourCells(sum ? FusionKind.Sum : FusionKind.Concat, seed.Get, at);
        double contrast = z[0] + z[3] - z[1] - z[2], scale = z.Max(Math.Abs);
        return (Math.Abs(contrast) <= 1e-5 * Math.Max(1, scale)).Label($"contrast {contrast:E3}, largest |z| {scale:F3}");
    }

    [Property(MaxTest = 25)]
    public Property Given_the_rest_of_its_batch_a_separable_heads_loss_on_one_pair_averaged_over_its_four_equally_likely_colour_cells_is_at_least_one_quarter(PositiveInt seed, PairPosition at, bool sum)
    {
        var (z, _) = FourCells(sum ? FusionKind.Sum : FusionKind.Concat, seed.Get, at);
        double loss = (Math.Pow(Sigmoid(z[0]) - 1, 2) + Math.Pow(Sigmoid(z[1]), 2) + Math.Pow(Sigmoid(z[2]), 2) + Math.Pow(Sigmoid(z[3]) - 1, 2)) / 4;
        return (loss >= 0.25 - 1e-6).Label($"expected loss of the pair {loss:F9}");
    }

    [Fact]
    public void In_training_mode_BatchNorm_makes_each_pairs_logit_depend_on_the_other_pairs_of_its_batch()
    {
        // Without this coupling the theorem would say nothing new: changing one pair's colours moves the others' logits.
        var (_, others) = FourCells(FusionKind.Concat, 1, new PairPosition(7, 0, 3, BatchSize));
        double moved = Enumerable.Range(0, others[0].Length).Max(i => others.Max(o => o[i]) - others.Min(o => o[i]));
        output.WriteLine($"largest change of another pair's logit: {moved:E3}");
        moved.Should().BeGreaterThan(1e-3);
    }

    /// <summary>
    /// The theorem's hypothesis about the sampling: two pairs of a batch are independent, each of the four
    /// colour cells equally likely. 6,400 couples of pairs (two positions of each of 6,400 batches of 10):
    /// each of the 16 joint cells expects 400 with a standard deviation of 19.4, so 100 is five of them.
    /// </summary>
    [Property(MaxTest = 20)]
    public Property Two_pairs_of_a_batch_fall_in_the_sixteen_joint_colour_cells_equally_often(long seed)
    {
        var data = new PairDataset(seed, pairsPerEpoch: 100);
        var counts = new int[16];
        for (int epoch = 0; epoch < 640; epoch++)
            foreach (var batch in data.Batches(epoch, BatchSize))
            {
                int Cell(ColourPair p) => (p.Query == Colour.White ? 2 : 0) + (p.Template == Colour.White ? 1 : 0);
                counts[4 * Cell(batch[0]) + Cell(batch[1])]++;
            }
        return counts.All(n => Math.Abs(n - 400) < 100).Label(string.Join(" ", counts));
    }

    /// <summary>
    /// The same by index, since a batch may hold any two indices: pair i and pair i + d (d = 1, and a generated
    /// distance) over 65 epochs of 100 pairs, 16 joint cells of about 400 each (standard deviation 19.4; 100 is five).
    /// </summary>
    [Property(MaxTest = 20)]
    public Property Pairs_at_any_two_indices_of_an_epoch_fall_in_the_sixteen_joint_colour_cells_equally_often(long seed, PositiveInt distance)
    {
        var data = new PairDataset(seed, pairsPerEpoch: 100);
        int Cell(ColourPair p) => (p.Query == Colour.White ? 2 : 0) + (p.Template == Colour.White ? 1 : 0);
        bool Even(int d)
        {
            var counts = new int[16];
            int total = 0;
            for (int epoch = 0; epoch < 65; epoch++)
                for (int i = 0; i + d < 100; i++, total++)
                    counts[4 * Cell(data.Pair(epoch, i)) + Cell(data.Pair(epoch, i + d))]++;
            return counts.All(n => Math.Abs(n - total / 16.0) < 5 * Math.Sqrt(total / 16.0 * 15 / 16));
        }
        int far = 1 + distance.Get % 50;
        return (Even(1) && Even(far)).Label($"distance 1 and {far}");
    }
}
