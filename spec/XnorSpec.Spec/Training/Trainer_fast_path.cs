using FluentAssertions;
using TorchSharp;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Training;

/// <summary>
/// Claim: the trainer's fast path changes no number. It checks the model's inputs on a run's first batch only,
/// steps every parameter as one flat tensor (one SGD update, one zero_grad), and picks real-image batches from the
/// split converted once; the question's loop written out plainly (the model called with its checks, TorchSharp's
/// SGD on each parameter tensor, every batch converted from its pixels) gives the same step losses and the same
/// weights, bit for bit. A step profile times the phases without touching them.
/// </summary>
public class Trainer_fast_path
{
    private static readonly Experiment RealImages = new()
    {
        Data = PairData.FashionMnistSubset, Encoder = EncoderKind.SmallCnn, Head = FusionKind.Product, Labels = LabelRule.SameCategory,
        ImageSize = 28, Pairs = 64, BatchSize = 16, Epochs = 3, LearningRate = 0.1, Momentum = 0.9, Seed = 7,
    };

    private static CategoryPairs Pairs(Experiment experiment) =>
        new(FashionFixture.Train, experiment.Seed, experiment.Pairs, experiment.ImageSize, experiment.Labels);

    /// <summary>The question's loop as PyTorch users write it, on the same model, pairs and optimiser settings.</summary>
    private static float[] PlainLoop(ComparisonModel model, Experiment experiment, CategoryPairs pairs)
    {
        using var oneThread = XnorSpec.Runtime.NativeBackend.UseThreads(1); // as the trainer runs SmallCnn
        using var optimizer = optim.SGD(model.parameters(), experiment.LearningRate, experiment.Momentum);
        var losses = new List<float>();
        using var _ = enable_grad();
        model.train();
        for (int epoch = 0; epoch < experiment.Epochs; epoch++)
            foreach (var batch in pairs.Batches(epoch, experiment.BatchSize))
            {
                using var scope = NewDisposeScope();
                var pixels = FashionFixture.Train.Pixels;
                var query = LabelledImages.ModelInput(pixels.index_select(0, tensor(batch.Select(p => (long)p.Query).ToArray())), experiment.ImageSize);
                var template = LabelledImages.ModelInput(pixels.index_select(0, tensor(batch.Select(p => (long)p.Template).ToArray())), experiment.ImageSize);
                var labels = tensor(batch.Select(p => p.SameCategory ? 1f : 0f).ToArray());
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(model.call(query, template), labels);
                loss.backward();
                optimizer.step();
                losses.Add(loss.item<float>());
            }
        return losses.ToArray();
    }

    private static float[] Weights(nn.Module model) => model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    [Fact]
    public void The_trainer_gives_the_plain_loop_s_step_losses_and_weights_bit_for_bit()
    {
        using var fast = Trainer.NewModel(RealImages, CPU);
        var trained = Trainer.Fit(fast, RealImages, Pairs(RealImages), CPU);
        using var plain = Trainer.NewModel(RealImages, CPU);
        var plainLosses = PlainLoop(plain, RealImages, Pairs(RealImages));

        plainLosses.Should().HaveCount(RealImages.Epochs * RealImages.StepsPerEpoch);
        trained.StepLosses.Should().Equal(plainLosses);
        Weights(fast).Should().Equal(Weights(plain));
    }

    [Fact]
    public void After_training_every_parameter_and_gradient_has_storage_of_its_own_again()
    {
        // During a run the parameters are views of one flat tensor; a model handed back that way would share its
        // storage, and files and copies written from it would depend on that.
        using var model = Trainer.NewModel(RealImages with { Epochs = 1 }, CPU);
        Trainer.Fit(model, RealImages with { Epochs = 1 }, Pairs(RealImages), CPU);
        foreach (var (name, p) in model.named_parameters())
        {
            p.storage_offset().Should().Be(0, $"{name} starts its own storage");
            p.storage<float>().Count.Should().Be((int)p.numel(), $"{name}'s storage holds {name} alone");
            using var grad = p.grad;
            grad.Should().NotBeNull();
            grad!.storage_offset().Should().Be(0, $"{name}'s gradient starts its own storage");
        }
        // And the model trains on: a second run from these weights is the plain loop's second run.
        using var plain = Trainer.NewModel(RealImages with { Epochs = 1 }, CPU);
        PlainLoop(plain, RealImages with { Epochs = 1 }, Pairs(RealImages));
        var second = Trainer.Fit(model, RealImages with { Epochs = 1, Seed = 8 }, Pairs(RealImages with { Seed = 8 }), CPU);
        PlainLoop(plain, RealImages with { Epochs = 1, Seed = 8 }, Pairs(RealImages with { Seed = 8 })).Should().Equal(second.StepLosses);
    }

    [Fact]
    public void In_the_flat_buffer_every_parameter_starts_on_a_64_byte_boundary_as_a_tensor_of_its_own_would()
    {
        // libtorch allocates every tensor 64-byte aligned, and vectorised kernels read weights in 64-byte lines.
        using var model = Trainer.NewModel(RealImages, CPU);
        using (var flat = FlatParameters.Of(model))
        {
            flat.Should().NotBeNull();
            foreach (var (name, p) in model.named_parameters())
                (p.storage_offset() * p.element_size() % 64).Should().Be(0, $"{name} starts at element {p.storage_offset()} of the flat buffer");
            model.parameters().Select(p => p.storage_offset()).Should().OnlyHaveUniqueItems("each parameter has a place of its own in the buffer");
        }
    }

    [Fact]
    public void A_frozen_parameter_is_left_out_of_the_flat_buffer_it_keeps_its_weights_and_gets_no_gradient()
    {
        // A .NET team fine-tuning its own module may freeze layers (requires_grad false); the trainer must not adopt them.
        using var model = Trainer.NewModel(RealImages with { Epochs = 1 }, CPU);
        var frozen = model.QueryEncoder.parameters().First();
        frozen.requires_grad = false;
        var before = frozen.data<float>().ToArray();
        Trainer.Fit(model, RealImages with { Epochs = 1 }, Pairs(RealImages), CPU);

        frozen.data<float>().ToArray().Should().Equal(before);
        using var grad = frozen.grad;
        grad.Should().BeNull("a parameter that does not require a gradient never gets one");
        frozen.storage_offset().Should().Be(0);
    }

    [Fact]
    public void A_first_batch_the_model_cannot_take_is_refused_before_any_step()
    {
        using var model = Trainer.NewModel(RealImages, CPU);
        var before = Weights(model);
        var act = () => Trainer.Fit(model, RealImages, new NaNImages(Pairs(RealImages)), CPU);
        act.Should().Throw<ArgumentException>().WithMessage("*NaN or infinite*");
        Weights(model).Should().Equal(before, "no step ran");
    }

    [Fact]
    public void A_step_profile_times_every_step_of_the_epochs_it_counts_and_changes_no_loss()
    {
        var experiment = RealImages with { Epochs = 3 };
        var profile = new StepProfile(firstEpoch: 1);
        using var profiled = Trainer.NewModel(experiment, CPU);
        var withProfile = Trainer.Fit(profiled, experiment, Pairs(experiment), CPU, profile: profile);
        using var unprofiled = Trainer.NewModel(experiment, CPU);
        var without = Trainer.Fit(unprofiled, experiment, Pairs(experiment), CPU);

        profile.Steps.Should().Be(2 * experiment.StepsPerEpoch, "the first epoch is a warm-up");
        foreach (var phase in Enum.GetValues<StepPhase>()) profile.MeanMs(phase).Should().BePositive($"{phase} takes time in every step");
        profile.MeanStepMs.Should().BeApproximately(Enum.GetValues<StepPhase>().Sum(profile.MeanMs), 1e-9);
        withProfile.StepLosses.Should().Equal(without.StepLosses);
    }

    /// <summary>Real-image pairs whose images are all NaN: a source the trainer must refuse, not train on.</summary>
    private sealed class NaNImages(CategoryPairs pairs) : IPairBatches<ImagePair>
    {
        public int PairsPerEpoch => pairs.PairsPerEpoch;
        public IEnumerable<IReadOnlyList<ImagePair>> Batches(int epoch, int batchSize) => pairs.Batches(epoch, batchSize);
        public (Tensor Query, Tensor Template, Tensor Labels) ToTensors(IReadOnlyList<ImagePair> batch, Device device)
        {
            var (query, template, labels) = pairs.ToTensors(batch, device);
            return (query.fill_(float.NaN), template, labels);
        }
    }
}
