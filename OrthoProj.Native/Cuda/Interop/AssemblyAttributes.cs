using System.Runtime.CompilerServices;

// Every binding in this assembly is a LibraryImport with a blittable signature, so the runtime's
// built-in marshaller is never needed; disabling it makes any accidental non-blittable signature
// a compile-time error instead of a hidden copy at run time.
[assembly: DisableRuntimeMarshalling]
