package io.gatehouse.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
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
            .layer("Pipeline").definedBy("io.gatehouse.pipeline..")
            .layer("Features").definedBy("io.gatehouse.auth..", "io.gatehouse.observe..", "io.gatehouse.proxy..")
            .whereLayer("Features").mayNotBeAccessedByAnyLayer()
            .whereLayer("Pipeline").mayOnlyBeAccessedByLayers("Features")
            .whereLayer("Upstream").mayOnlyBeAccessedByLayers("Pipeline", "Features");

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
        slices().matching("io.gatehouse.(auth|observe|proxy)..").should().notDependOnEachOther().check(GATEHOUSE);
    }

    @Test
    void theCycleRuleFailsOnAPackageCycle() {
        JavaClasses withCycle = new ClassFileImporter().importPackages("io.gatehouse.architecture.cycle");
        AssertionError error = assertThrows(AssertionError.class, () -> noPackageCycles("io.gatehouse.architecture.cycle").check(withCycle));
        assertTrue(error.getMessage().contains("Cycle detected"), error.getMessage());
    }
}
