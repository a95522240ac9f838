using System.Diagnostics;
using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Training;
using XnorSpec.Spec.Support;
using Xunit;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Files;

/// <summary>
/// Claim: a saved model is self-describing and comes back exactly: same experiment, same weights
/// and BatchNorm statistics, bit-identical predictions. Damaged files are refused by name.
/// </summary>
public sealed class Model_files : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("xnorspec-models-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    // Two steps are enough to move every weight and BatchNorm buffer away from its initial value.
    private static readonly Experiment Short = new() { Head = FusionKind.Product, ImageSize = 32, Pairs = 20, BatchSize = 10, Epochs = 1, LearningRate = 0.01, Seed = 7 };

    [Fact]
    public void A_saved_and_reloaded_model_predicts_exactly_as_before()
    {
        var trained = RunScores.Train(Short, TestDevice.Current);
        var path = Path.Combine(directory, "product.model");
        ModelFile.Save(trained.Model!, Short, path);

        var (loaded, experiment) = ModelFile.Load(path, TestDevice.Current);

        experiment.Should().Be(Short);
        var before = trained.Model!.state_dict();
        var after = loaded.state_dict();
        after.Keys.Should().Equal(before.Keys);
        foreach (var key in before.Keys) after[key].cpu().allclose(before[key].cpu(), rtol: 0, atol: 0).Should().BeTrue(key);
        ColourSource.Predict(loaded, 32, TestDevice.Current).Should().Equal(trained.Predictions);
    }

    [Fact]
    public void A_missing_truncated_or_foreign_model_file_is_refused_with_its_name()
    {
        // Refusal reads the file, not the weights: an untrained small model makes the good file.
        var experiment = Short with { Head = FusionKind.Concat, Encoder = EncoderKind.SmallCnn };
        var good = Path.Combine(directory, "good.model");
        using (var model = Trainer.NewModel(experiment, TestDevice.Current)) ModelFile.Save(model, experiment, good);
        ModelFile.Load(good).Model.Dispose();
        var bytes = File.ReadAllBytes(good);
        var truncated = Path.Combine(directory, "truncated.model");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var foreign = Fixtures.Path("images", "black.png");

        foreach (var (path, problem) in new[] { (Path.Combine(directory, "missing.model"), "no such model file"),
                     (truncated, "truncated or damaged"), (foreign, "not an XnorSpec model file") })
        {
            var load = () => ModelFile.Load(path);
            load.Should().Throw<BadFileException>().Which.Message.Should().StartWith(path).And.Contain(problem);
        }
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_previous_file_whole_and_no_temporary_behind()
    {
        var path = Path.Combine(directory, "results.json");
        AtomicFile.WriteAllText(path, "old and complete");

        var failing = () => AtomicFile.Write(path, stream =>
        {
            stream.Write("new but only ha"u8);
            throw new IOException("disk full (simulated)");
        });

        failing.Should().Throw<IOException>();
        File.ReadAllText(path).Should().Be("old and complete");
        Directory.GetFiles(directory).Should().Equal(path);
    }

    [Fact]
    public void A_temporary_file_left_by_a_dead_writer_is_removed_by_the_next_write_of_the_same_file_and_no_other()
    {
        var path = Path.Combine(directory, "pair.model");
        AtomicFile.WriteAllText(path, "first");
        // Real processes stand in for writers: one killed, one still running.
        using var killed = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        killed.Kill();
        killed.WaitForExit();
        using var running = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            Thread.Sleep(100); // its files are written after it started, as a writer's are
            var anHourAgo = DateTime.UtcNow.AddHours(-1);
            string Leftover(string target, int writer, DateTime? lastWrite = null)
            {
                var file = Path.Combine(directory, $".{target}.{writer}-{Guid.NewGuid():N}.tmp");
                File.WriteAllText(file, "part-writ");
                if (lastWrite is { } time) File.SetLastWriteTimeUtc(file, time);
                return file;
            }
            var orphan = Leftover("pair.model", killed.Id, anHourAgo);
            var reusedId = Leftover("pair.model", running.Id, anHourAgo);
            var fresh = Leftover("pair.model", killed.Id);
            var live = Leftover("pair.model", running.Id);
            var otherTarget = Leftover("other.model", killed.Id, anHourAgo);

            AtomicFile.WriteAllText(path, "second");

            File.ReadAllText(path).Should().Be("second");
            File.Exists(orphan).Should().BeFalse("its writer is gone, so nothing will finish or remove it");
            File.Exists(reusedId).Should().BeFalse("the process with its writer's id started after it was last written: the id was reused");
            File.Exists(fresh).Should().BeTrue("an id that runs nothing here may be a writer in another PID namespace, so a leftover must be a minute old");
            File.Exists(live).Should().BeTrue("a running writer's temporary file is its work in progress");
            File.Exists(otherTarget).Should().BeTrue("only the written file's temporaries are touched");
        }
        finally
        {
            running.Kill();
            running.WaitForExit();
        }
    }
}
