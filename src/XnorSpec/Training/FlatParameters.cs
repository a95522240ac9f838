using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace XnorSpec.Training;

/// <summary>
/// A model's trainable parameters and their gradients laid out as views of two flat tensors, so that the optimiser
/// steps one tensor: TorchSharp 0.107's SGD and zero_grad loop over the parameter tensors in C#, several native
/// calls each. The update is elementwise, so every weight gets the same float operations in the same order as
/// tensor by tensor. Disposing gives each parameter and gradient storage of its own again, with its values.
/// </summary>
internal sealed class FlatParameters : IDisposable
{
    private readonly Parameter[] parameters;
    private readonly Tensor grads;

    private FlatParameters(Parameter[] parameters)
    {
        this.parameters = parameters;
        var first = parameters[0];
        long total = parameters.Sum(p => Aligned(p.numel()));
        using var _ = no_grad();
        var values = zeros(total, dtype: first.dtype, device: first.device);
        grads = zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        long offset = 0;
        foreach (var p in parameters)
        {
            long n = p.numel();
            using var slot = values.narrow(0, offset, n).view(p.shape);
            slot.copy_(p);
            p.set_(slot);
            using var grad = grads.narrow(0, offset, n).view(p.shape);
            p.grad = grad;
            offset += Aligned(n);
        }
        Flat = new Parameter(values, requires_grad: true);
        Flat.grad = grads;
    }

    // Each parameter starts on a 64-byte boundary, as a tensor of its own would, so that kernels reading its weights
    // find them aligned; the padding between them stays zero (zero gradient, zero momentum) and is never read.
    private static long Aligned(long count) => (count + 15) / 16 * 16;

    /// <summary>The one parameter to give the optimiser: every weight of the model, its gradient every gradient.</summary>
    public Parameter Flat { get; }

    /// <summary>
    /// The model's trainable parameters made flat, or null (train them tensor by tensor) when there are none or they
    /// differ in dtype or device, or one is not contiguous.
    /// </summary>
    public static FlatParameters? Of(nn.Module model)
    {
        var trainable = model.parameters().Where(p => p.requires_grad).ToArray();
        if (trainable.Length == 0 || trainable.Any(p => p.dtype != trainable[0].dtype || p.device_type != trainable[0].device_type || p.device_index != trainable[0].device_index || !p.is_contiguous()))
            return null;
        return new FlatParameters(trainable);
    }

    public void Dispose()
    {
        using (no_grad())
        {
            foreach (var p in parameters)
            {
                using (var detached = p.detach())
                using (var own = detached.clone())
                    p.set_(own);
                using var grad = p.grad;
                if (grad is null) continue;
                using var ownGrad = grad.clone();
                p.grad = ownGrad;
            }
        }
        Flat.Dispose();
        grads.Dispose();
    }
}
