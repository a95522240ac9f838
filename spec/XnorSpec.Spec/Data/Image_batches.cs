using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Spec.Support;
using Xunit;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Data;

/// <summary>
/// Claim: a batch of real images holds what converting its own pixels gives (LabelledImages.ModelInput, the one
/// conversion `predict` uses too), bit for bit, whether the split keeps its images converted at that size (the
/// trainer's case: converted once, picked each step) or converts batch by batch (a size too large to keep).
/// </summary>
public class Image_batches
{
    private static readonly int[] Indices = [0, 17, 2999, 17, 1234];

    [Theory]
    [InlineData(28)]   // the images' own size
    [InlineData(32)]   // resized, bilinear
    [InlineData(20)]   // resized down
    [InlineData(256)]  // 3,000 images at 256x256 in float32 is 786 MB: converted batch by batch
    public void A_batch_holds_the_conversion_of_its_own_pixels_at_every_size(int size)
    {
        using var scope = NewDisposeScope();
        var split = FashionFixture.Train;
        var expected = LabelledImages.ModelInput(split.Pixels.index_select(0, tensor(Indices.Select(i => (long)i).ToArray())), size);

        split.KeepsConverted(size).Should().Be(4L * split.Count * size * size <= LabelledImages.ConvertedAtMostBytes);
        var batch = split.Batch(Indices, size);
        batch.shape.Should().Equal([Indices.Length, 3, size, size]);
        batch.allclose(expected, rtol: 0, atol: 0).Should().BeTrue($"the batch at {size}x{size} must be its pixels' conversion bit for bit");
        split.Batch(Indices, 28).allclose(LabelledImages.ModelInput(split.Pixels.index_select(0, tensor(Indices.Select(i => (long)i).ToArray())), 28), rtol: 0, atol: 0)
            .Should().BeTrue("asking for another size in between does not change what a size gives");
    }

    [Fact]
    public void Two_threads_asking_one_split_for_batches_at_two_sizes_each_get_their_own_pixels_conversion()
    {
        // Each size asked for replaces the split's conversion: a thread picking from the old one while another frees
        // it would read freed memory. Its own split, so the other specs' batches are not slowed by the churn.
        var fixture = FashionFixture.Train;
        using var split = new LabelledImages("churn", fixture.Pixels.clone(), fixture.Categories, fixture.CategoryNames);
        using var scope = NewDisposeScope();
        var index = tensor(Indices.Select(i => (long)i).ToArray());
        var expected = new[] { 28, 32 }.ToDictionary(size => size, size => LabelledImages.ModelInput(split.Pixels.index_select(0, index), size));
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        using var start = new Barrier(2);
        var threads = new[] { 28, 32 }.Select(size => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < 200; i++)
            {
                try
                {
                    using var step = NewDisposeScope();
                    if (!split.Batch(Indices, size).allclose(expected[size], rtol: 0, atol: 0)) failures.Add($"size {size}, batch {i}: other values");
                }
                catch (Exception e) { failures.Add($"size {size}, batch {i}: {e.GetType().Name}: {e.Message}"); }
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        failures.Should().BeEmpty();
    }

    [Fact]
    public void The_whole_training_split_of_Fashion_MNIST_at_28x28_is_kept_converted_and_at_64x64_is_not()
    {
        // 60,000 images: 188 MB of float32 at 28x28, 983 MB at 64x64.
        (4L * 60_000 * 28 * 28).Should().BeLessThanOrEqualTo(LabelledImages.ConvertedAtMostBytes);
        (4L * 60_000 * 64 * 64).Should().BeGreaterThan(LabelledImages.ConvertedAtMostBytes);
    }
}
