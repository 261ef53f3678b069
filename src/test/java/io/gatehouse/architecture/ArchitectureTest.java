package io.gatehouse.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.gatehouse.pipeline.GatewayFilter;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layering of README's "Package layers", checked on the compiled classes: no package cycle, and each layer
 * uses only the ones below it. Features (auth, observe, proxy, and those to come) plug into the pipeline and never
 * into each other.
 */
class ArchitectureTest {
    private static final JavaClasses GATEHOUSE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gatehouse");

    /** Every top-level package of Gatehouse is a slice; slices must not depend on each other in a circle. */
    static ArchRule noPackageCycles(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    static final ArchRule LAYERS = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Foundation").definedBy("io.gatehouse.config..", "io.gatehouse.routing..", "io.gatehouse.demo..")
            .layer("Upstream").definedBy("io.gatehouse.upstream..")
            .layer("Transport").definedBy("io.gatehouse.tls..")
            .layer("Pipeline").definedBy("io.gatehouse.pipeline..")
            .layer("Stores").definedBy("io.gatehouse.redis..")
            .layer("Features").definedBy("io.gatehouse.auth..", "io.gatehouse.observe..", "io.gatehouse.proxy..",
                    "io.gatehouse.admin..", "io.gatehouse.ratelimit..", "io.gatehouse.cache..", "io.gatehouse.edge..")
            .layer("Commands").definedBy("io.gatehouse.cli..")
            .whereLayer("Commands").mayNotBeAccessedByAnyLayer()
            .whereLayer("Features").mayOnlyBeAccessedByLayers("Commands")
            .whereLayer("Stores").mayOnlyBeAccessedByLayers("Features")
            .whereLayer("Pipeline").mayOnlyBeAccessedByLayers("Stores", "Features")
            .whereLayer("Upstream").mayOnlyBeAccessedByLayers("Pipeline", "Features")
            .whereLayer("Transport").mayOnlyBeAccessedByLayers("Pipeline", "Features", "Commands");

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        noPackageCycles("io.gatehouse").check(GATEHOUSE);
    }

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        LAYERS.check(GATEHOUSE);
    }

    @Test
    void featuresDoNotDependOnEachOther() {
        slices().matching("io.gatehouse.(auth|observe|proxy|admin|ratelimit|cache)..").should().notDependOnEachOther().check(GATEHOUSE);
    }

    /**
     * A filter that implements a phase method must name the phase in {@code phases()}, or the chain would skip it on
     * routes where no other filter takes part in that phase. Checked for every filter class, main and test: the
     * declared set is read from an instance made without a constructor (phases() returns a constant).
     */
    @Test
    void everyFilterNamesThePhasesItImplements() throws Exception {
        JavaClasses all = new ClassFileImporter().importPackages("io.gatehouse");
        java.lang.reflect.Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
        f.setAccessible(true);
        Object unsafe = f.get(null);
        java.lang.reflect.Method allocate = unsafe.getClass().getMethod("allocateInstance", Class.class);
        java.util.Map<String, GatewayFilter.Phase> methods = java.util.Map.of(
                "onRequest", GatewayFilter.Phase.REQUEST, "onUpstreamRequest", GatewayFilter.Phase.UPSTREAM_REQUEST,
                "onUpstreamResponse", GatewayFilter.Phase.UPSTREAM_RESPONSE, "onResponse", GatewayFilter.Phase.RESPONSE,
                "onComplete", GatewayFilter.Phase.COMPLETE);
        int checked = 0;
        for (com.tngtech.archunit.core.domain.JavaClass c : all) {
            if (!c.isAssignableTo(GatewayFilter.class) || c.isInterface() || c.getModifiers().contains(
                    com.tngtech.archunit.core.domain.JavaModifier.ABSTRACT)) {
                continue;
            }
            Class<?> type = c.reflect();
            GatewayFilter filter = (GatewayFilter) allocate.invoke(unsafe, type);
            java.util.Set<GatewayFilter.Phase> declared = filter.phases();
            for (java.lang.reflect.Method m : type.getMethods()) {
                GatewayFilter.Phase phase = methods.get(m.getName());
                if (phase != null && m.getDeclaringClass() != GatewayFilter.class) {
                    assertTrue(declared.contains(phase), type.getName() + " implements " + m.getName()
                            + " but its phases() leave out " + phase);
                }
            }
            checked++;
        }
        assertTrue(checked >= 4, "found the filters: " + checked);
    }

    @Test
    void theCycleRuleFailsOnAPackageCycle() {
        JavaClasses withCycle = new ClassFileImporter().importPackages("io.gatehouse.architecture.cycle");
        AssertionError error = assertThrows(AssertionError.class, () -> noPackageCycles("io.gatehouse.architecture.cycle").check(withCycle));
        assertTrue(error.getMessage().contains("Cycle detected"), error.getMessage());
    }
}
